using System.Collections.Concurrent;
using AkkaLockstep.Wire;
using AkkaLockstep.Wire.Framing;
using Google.Protobuf;

namespace AkkaLockstep.Client;

/// <summary>
/// Entry point of the client library. Keeps one pipelined connection per host endpoint, shared by all
/// sessions; finds each VM's primary and follows it across failovers, retrying every request with its
/// original request number until it gets a definitive answer or RequestTimeout runs out.
/// </summary>
public sealed class LockstepClient : IAsyncDisposable
{
    private readonly EndpointDirectory _endpoints;
    private readonly ClientCounters _counters = new();
    private readonly ConcurrentDictionary<string, string> _primaries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _kinds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<string>> _locating = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SqlReleaseSignal> _sqlReleases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task<HostConnection>> _connections = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposing = new();

    public LockstepClient(LockstepClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _endpoints = new EndpointDirectory(options.Endpoints);
    }

    public LockstepClientOptions Options { get; }

    /// <summary>Configured endpoints plus those learnt from locate answers and redirects.</summary>
    public IReadOnlyList<string> KnownEndpoints => _endpoints.All;

    public LockstepClientStatistics Statistics => _counters.Snapshot();

    public LockstepSession OpenSession(string vm)
    {
        ArgumentException.ThrowIfNullOrEmpty(vm);
        ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
        return new LockstepSession(this, vm);
    }

    public KvSession OpenKvSession(string vm) => new(OpenSession(vm));

    /// <summary>A sql session on <paramref name="vm"/>; the client's sessions on one VM wake each other when a transaction ends.</summary>
    public SqlSession OpenSqlSession(string vm, SqlSessionOptions? options = null) =>
        new(OpenSession(vm), options, _sqlReleases.GetOrAdd(vm, _ => new SqlReleaseSignal()));

    /// <summary>
    /// Asks the hosts where <paramref name="vm"/>'s primary is (retrying until RequestTimeout), remembers the
    /// answer for later requests and returns its "host:port" client endpoint.
    /// </summary>
    public async Task<string> LocateAsync(string vm, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(vm);
        using var budget = StartBudget(cancellationToken);
        var backoff = new Backoff(Options.InitialBackoff, Options.MaxBackoff);
        var call = new CallProgress();
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                if (attempt > 0) call.Retries++;
                ForgetPrimary(vm);
                try
                {
                    return await LocateSharedAsync(vm).WaitAsync(budget.Token).ConfigureAwait(false);
                }
                catch (LocateFailedException ex)
                {
                    call.LastError = ex;
                }
                await backoff.DelayAsync(budget.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw BudgetExhausted($"locating vm {vm}", call);
        }
    }

    /// <summary>
    /// The guest kind of <paramref name="vm"/> ("kv", "sql", …) as the hosts' placement gives it, found by a fresh
    /// locate (a name may be unprotected and protected again with another kind). Throws <see cref="LockstepException"/>
    /// with <see cref="Status.UnknownVm"/> for a VM the cluster does not know; "" if the hosts did not say.
    /// </summary>
    public async Task<string> GetKindAsync(string vm, CancellationToken cancellationToken = default)
    {
        await LocateAsync(vm, cancellationToken).ConfigureAwait(false);
        return _kinds.TryGetValue(vm, out var kind) ? kind : "";
    }

    public async ValueTask DisposeAsync()
    {
        Task<HostConnection>[] connections;
        lock (_connections)
        {
            if (_disposing.IsCancellationRequested) return;
            _disposing.Cancel();
            connections = [.. _connections.Values];
            _connections.Clear();
        }
        foreach (var connecting in connections)
        {
            try
            {
                (await connecting.ConfigureAwait(false)).Close("client disposed");
            }
            catch (Exception ex) when (ex is ConnectionLostException or OperationCanceledException)
            {
                // It never opened.
            }
        }
    }

    internal async Task<ExecutionResult> ExecuteAsync(LockstepSession session, byte[] command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Length > FrameLimits.MaxCommandBytes)
            throw new LockstepException(Status.TooLarge, $"command of {command.Length} bytes exceeds {FrameLimits.MaxCommandBytes}");
        ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
        Interlocked.Increment(ref _counters.Requests);
        using var budget = StartBudget(cancellationToken);
        var call = new CallProgress();
        long requestNo;
        try
        {
            requestNo = await session.EnterAsync(budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw BudgetExhausted($"vm {session.Vm}: waiting for the session's previous call", call);
        }
        try
        {
            return await SendUntilDefinitiveAsync(session, requestNo, ByteString.CopyFrom(command), call, budget.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw BudgetExhausted($"vm {session.Vm} request {requestNo}", call);
        }
        finally
        {
            session.Exit();
        }
    }

    private async Task<ExecutionResult> SendUntilDefinitiveAsync(
        LockstepSession session, long requestNo, ByteString command, CallProgress call, CancellationToken token)
    {
        var vm = session.Vm;
        var backoff = new Backoff(Options.InitialBackoff, Options.MaxBackoff);
        string? redirect = null;
        var redirectedLastTime = false;
        var sent = false;
        while (true)
        {
            string? endpoint = redirect;
            redirect = null;
            Response response;
            try
            {
                endpoint ??= await ResolvePrimaryAsync(vm, token).ConfigureAwait(false);
                var connection = await GetConnectionAsync(endpoint, token).ConfigureAwait(false);
                var request = new Request { Vm = vm, SessionId = session.SessionIdBytes, RequestNo = requestNo, Command = command };
                if (sent)
                {
                    call.Retries++;
                    session.CountRetry();
                    Interlocked.Increment(ref _counters.Retries);
                }
                sent = true;
                response = await connection.RequestAsync(request, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ConnectionLostException or LocateFailedException)
            {
                call.LastError = ex;
                if (endpoint is not null) ForgetPrimary(vm, endpoint);
                redirectedLastTime = false;
                await backoff.DelayAsync(token).ConfigureAwait(false);
                continue;
            }
            switch (response.Status)
            {
                case Status.Ok:
                    return new ExecutionResult(response.Output.ToByteArray(), response.Epoch, response.Host);
                case Status.NotPrimary:
                    Interlocked.Increment(ref _counters.Redirects);
                    call.LastError = new LockstepException(response.Status, $"{endpoint} is not the primary of vm {vm}: {response.Error}");
                    ForgetPrimary(vm, endpoint);
                    var hint = response.PrimaryHint;
                    if (hint.Length > 0 && hint != endpoint)
                    {
                        _endpoints.Add(hint);
                        _primaries[vm] = hint;
                        // Follow a fresh hint at once; two redirects in a row suggest a failover in progress.
                        if (!redirectedLastTime)
                        {
                            redirect = hint;
                            redirectedLastTime = true;
                            continue;
                        }
                    }
                    break;
                case Status.Unavailable:
                    // The replica may be fenced by a failover: ask again where the primary is.
                    call.LastError = new LockstepException(response.Status, $"vm {vm} unavailable at {endpoint}: {response.Error}");
                    ForgetPrimary(vm, endpoint);
                    break;
                default:
                    throw new LockstepException(response.Status, DescribeError(response.Status, vm, response.Error));
            }
            redirectedLastTime = false;
            await backoff.DelayAsync(token).ConfigureAwait(false);
        }
    }

    private async Task<string> ResolvePrimaryAsync(string vm, CancellationToken token) =>
        _primaries.TryGetValue(vm, out var primary)
            ? primary
            : await LocateSharedAsync(vm).WaitAsync(token).ConfigureAwait(false);

    // Sessions of one VM that all lose its primary share a single locate round instead of each sending one.
    private Task<string> LocateSharedAsync(string vm)
    {
        while (true)
        {
            if (_locating.TryGetValue(vm, out var running)) return running;
            var round = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_locating.TryAdd(vm, round.Task)) continue;
            _ = RunLocateRoundAsync(vm, round);
            return round.Task;
        }
    }

    private async Task RunLocateRoundAsync(string vm, TaskCompletionSource<string> round)
    {
        try
        {
            var primary = await LocateRoundAsync(vm).ConfigureAwait(false);
            _locating.TryRemove(new(vm, round.Task));
            round.SetResult(primary);
        }
        catch (Exception ex)
        {
            _locating.TryRemove(new(vm, round.Task));
            round.SetException(ex);
            // Every waiter may have given up already; the failure must not surface as unobserved.
            _ = round.Task.Exception;
        }
    }

    /// <summary>Asks each known endpoint in turn, healthy ones first, until one names the primary.</summary>
    private async Task<string> LocateRoundAsync(string vm)
    {
        Exception? lastError = null;
        foreach (var endpoint in _endpoints.InTryOrder())
        {
            using var perEndpoint = CancellationTokenSource.CreateLinkedTokenSource(_disposing.Token);
            perEndpoint.CancelAfter(Options.ConnectTimeout);
            LocateResponse answer;
            try
            {
                var connection = await GetConnectionAsync(endpoint, perEndpoint.Token).ConfigureAwait(false);
                answer = await connection.LocateAsync(new LocateRequest { Vm = vm }, perEndpoint.Token).ConfigureAwait(false);
            }
            catch (ConnectionLostException ex)
            {
                lastError = ex;
                continue;
            }
            catch (OperationCanceledException ex) when (!_disposing.IsCancellationRequested)
            {
                lastError = new LocateFailedException($"{endpoint} did not answer a locate within {Options.ConnectTimeout}", ex);
                continue;
            }
            Interlocked.Increment(ref _counters.Locates);
            foreach (var known in answer.Endpoints) _endpoints.Add(known);
            if (answer.Status == Status.Ok) _kinds[vm] = answer.Kind;
            switch (answer.Status)
            {
                case Status.Ok when answer.PrimaryEndpoint.Length > 0:
                    _endpoints.Add(answer.PrimaryEndpoint);
                    _primaries[vm] = answer.PrimaryEndpoint;
                    return answer.PrimaryEndpoint;
                case Status.Ok:
                    lastError = new LocateFailedException($"{endpoint} knows no primary for vm {vm} right now");
                    break;
                case Status.UnknownVm or Status.BadRequest:
                    throw new LockstepException(answer.Status, DescribeError(answer.Status, vm, answer.Error));
                default:
                    lastError = new LocateFailedException($"{endpoint} could not locate vm {vm}: {answer.Status} {answer.Error}");
                    break;
            }
        }
        ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
        throw new LocateFailedException($"no endpoint could locate vm {vm}: {lastError?.Message}", lastError);
    }

    private async Task<HostConnection> GetConnectionAsync(string endpoint, CancellationToken token)
    {
        Task<HostConnection> connecting;
        lock (_connections)
        {
            ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
            if (!_connections.TryGetValue(endpoint, out connecting!) || IsDead(connecting))
                _connections[endpoint] = connecting = ConnectAsync(endpoint);
        }
        return await connecting.WaitAsync(token).ConfigureAwait(false);
    }

    private static bool IsDead(Task<HostConnection> connecting) =>
        connecting.IsFaulted || connecting.IsCanceled || connecting is { IsCompletedSuccessfully: true, Result.IsOpen: false };

    // Not tied to any caller's token: one caller giving up must not abort a connect others are waiting for.
    private async Task<HostConnection> ConnectAsync(string endpoint)
    {
        try
        {
            var connection = await HostConnection.ConnectAsync(endpoint, Options, () => OnConnectionClosed(endpoint), _disposing.Token)
                .ConfigureAwait(false);
            Interlocked.Increment(ref _counters.Connects);
            _endpoints.MarkUp(endpoint);
            return connection;
        }
        catch (ConnectionLostException)
        {
            OnConnectionClosed(endpoint);
            throw;
        }
    }

    private void OnConnectionClosed(string endpoint)
    {
        if (_disposing.IsCancellationRequested) return;
        Interlocked.Increment(ref _counters.ConnectionFailures);
        _endpoints.MarkDown(endpoint);
    }

    private void ForgetPrimary(string vm) => _primaries.TryRemove(vm, out _);

    // Only if still the cached answer: another session may already have learnt the new primary.
    private void ForgetPrimary(string vm, string endpoint) => _primaries.TryRemove(new(vm, endpoint));

    private CancellationTokenSource StartBudget(CancellationToken cancellationToken)
    {
        var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        budget.CancelAfter(Options.RequestTimeout);
        return budget;
    }

    private Exception BudgetExhausted(string what, CallProgress call)
    {
        ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
        Interlocked.Increment(ref _counters.Timeouts);
        var detail = call.LastError is null ? "" : $"; last error: {call.LastError.Message}";
        return new TimeoutException(
            $"{what}: no definitive answer within {Options.RequestTimeout} ({call.Retries} retries{detail})", call.LastError);
    }

    /// <summary>What one call has been through, for the message of its TimeoutException.</summary>
    private sealed class CallProgress
    {
        public int Retries;
        public Exception? LastError;
    }

    private static string DescribeError(Status status, string vm, string error) =>
        error.Length > 0 ? $"vm {vm}: {status}: {error}" : $"vm {vm}: {status}";
}
