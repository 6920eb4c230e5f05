using System.Collections.Concurrent;
using System.Net;
using AkkaLockstep.Guests.Sql;
using AkkaLockstep.Host.Api;
using AkkaLockstep.Host.ClientEndpoint;
using AkkaLockstep.Protocol;
using AkkaLockstep.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace AkkaLockstep.Gateway.Tests.Support;

/// <summary>
/// A stand-in for a cluster behind the real client endpoint server: one sql guest per sql VM behind the
/// exactly-once session table (same request number → stored answer), inputs stamped as a primary would, a kv VM
/// that is only located, and a switch that loses the answers of applied requests so the client must retry — what a
/// failover between apply and answer looks like to a client. It counts what the guests really applied.
/// </summary>
internal sealed class FakeSqlCluster : IClientRequestHandler, IAsyncDisposable
{
    public const string KvVm = "kvstore";

    private readonly object _lock = new();
    private readonly Dictionary<string, SqlGuest> _guests = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Vm, ByteString Session), (long RequestNo, byte[] Output)> _sessions = [];
    private ClientEndpointServer? _server;
    private long _index;
    private int _requests;

    public FakeSqlCluster(params string[] sqlVms)
    {
        foreach (var vm in sqlVms) _guests[vm] = new SqlGuest();
    }

    /// <summary>Every command a guest applied (a retry answered from the session table is not applied again).</summary>
    public ConcurrentQueue<(string Vm, SqlCommand Command)> Applied { get; } = new();

    /// <summary>When set, the answer to every Nth request is lost after the guest applied it.</summary>
    public int LoseEveryNthAnswer { get; set; }

    public int LostAnswers { get; private set; }

    public string Endpoint => $"127.0.0.1:{_server!.Port}";

    public async Task StartAsync()
    {
        _server = new ClientEndpointServer(new IPEndPoint(IPAddress.Loopback, 0), this, NullLogger.Instance);
        await _server.StartAsync();
    }

    /// <summary>How many times a statement whose SQL contains <paramref name="fragment"/> was executed by a guest.</summary>
    /// <summary>Statements sent to the guests that contain <paramref name="fragment"/>, alone or in a script (a script stops at its first failure).</summary>
    public int Executions(string fragment) =>
        Applied.SelectMany(a => a.Command.Kind == SqlCommandKind.Script ? a.Command.Statements : [a.Command])
            .Count(c => c.Kind == SqlCommandKind.Execute && c.Sql.Contains(fragment, StringComparison.Ordinal));

    /// <summary>Answer Script commands as a guest of a version before scripts does.</summary>
    public bool RefuseScripts { get; set; }

    public int Count(SqlCommandKind kind) => Applied.Count(a => a.Command.Kind == kind);

    public Task<Response> HandleAsync(Request request, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_guests.TryGetValue(request.Vm, out var guest))
                return Task.FromResult(new Response { Correlation = request.Correlation, Status = Status.UnknownVm, Error = $"unknown VM '{request.Vm}'" });
            var key = (request.Vm, request.SessionId);
            _sessions.TryGetValue(key, out var last);
            if (request.RequestNo < last.RequestNo)
                return Task.FromResult(new Response { Correlation = request.Correlation, Status = Status.StaleRequest });
            byte[] output;
            if (request.RequestNo == last.RequestNo)
            {
                output = last.Output;
            }
            else
            {
                _index++;
                var context = new InputContext(_index, 1_700_000_000_000 + _index, (ulong)_index, new Guid(request.SessionId.Span));
                // A guest older than scripts refuses the command kind, as its decoder does, and runs nothing.
                output = RefuseScripts && request.Command.Length > 1 && request.Command.Span[1] == (byte)SqlCommandKind.Script
                    ? SqlResult.Error(SqlTransactionState.Idle, SqlStates.ProtocolViolation, "unknown sql command kind 4").Encode()
                    : guest.Apply(request.Command.Span, context);
                _sessions[key] = (request.RequestNo, output);
                if (SqlCommand.TryDecode(request.Command.Span, out var command, out _)) Applied.Enqueue((request.Vm, command!));
                if (LoseEveryNthAnswer > 0 && ++_requests % LoseEveryNthAnswer == 0)
                {
                    LostAnswers++;
                    return Task.FromResult(new Response { Correlation = request.Correlation, Status = Status.Unavailable, Error = "answer lost (test)" });
                }
            }
            return Task.FromResult(new Response { Correlation = request.Correlation, Status = Status.Ok, Output = ByteString.CopyFrom(output) });
        }
    }

    public Task<LocateResponse> LocateAsync(LocateRequest request, CancellationToken cancellationToken)
    {
        var kind = _guests.ContainsKey(request.Vm) ? SqlGuest.KindName : request.Vm == KvVm ? "kv" : null;
        return Task.FromResult(kind is null
            ? new LocateResponse { Correlation = request.Correlation, Status = Status.UnknownVm, Error = $"unknown VM '{request.Vm}'" }
            : new LocateResponse { Correlation = request.Correlation, Status = Status.Ok, PrimaryEndpoint = Endpoint, Endpoints = { Endpoint }, Kind = kind });
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        foreach (var guest in _guests.Values) guest.Dispose();
    }
}
