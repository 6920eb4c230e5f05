using System.Net.Http.Json;
using System.Text.Json;
using AkkaLockstep.Client;

namespace AkkaLockstep.Integration.Tests.Harness;

/// <summary>
/// A witness and hosts as real processes on 127.0.0.1, on ports picked free, with data in a temp folder.
/// Dispose kills every process it started (by PID) and deletes the folder.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };

    public LocalCluster(int hosts = 2, Func<string, string?>? postgresFor = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "lockstep-it-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
        var ports = FreePorts.Pick(3 * (hosts + 1));
        // Every member is a seed, the witness first, as `lockstep up` does.
        var seeds = Enumerable.Range(0, hosts + 1).Select(i => $"akka.tcp://lockstep@127.0.0.1:{ports[3 * i]}").ToArray();
        Members.Add(new MemberProcess("witness", "witness", ports[0], 0, ports[1], Path.Combine(Root, "witness"),
            Path.Combine(Root, "witness.log"), seeds, postgresFor?.Invoke("witness")));
        for (var i = 1; i <= hosts; i++)
        {
            var name = $"h{i}";
            Members.Add(new MemberProcess(name, "host", ports[3 * i], ports[3 * i + 1], ports[3 * i + 2], Path.Combine(Root, name),
                Path.Combine(Root, name + ".log"), seeds, postgresFor?.Invoke(name)));
        }
    }

    public string Root { get; }
    public List<MemberProcess> Members { get; } = [];
    public MemberProcess this[string name] => Members.Single(m => m.Name == name);
    public IEnumerable<MemberProcess> Hosts => Members.Where(m => m.Role == "host");

    public async Task StartAsync(TimeSpan? timeout = null)
    {
        foreach (var member in Members) member.Start();
        await WaitUntilAsync(AllUpAsync, timeout ?? TimeSpan.FromSeconds(60), "all members up");
    }

    public void KillAll()
    {
        foreach (var member in Members) member.Kill();
    }

    public LockstepClient NewClient(TimeSpan? requestTimeout = null) => new(new LockstepClientOptions
    {
        Endpoints = Hosts.Select(h => h.ClientEndpoint).ToArray(),
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(60),
    });

    public async Task<bool> AllUpAsync()
    {
        foreach (var member in Members.Where(m => m.Running))
        {
            try
            {
                using var doc = JsonDocument.Parse(await _http.GetStringAsync(new Uri(member.CommandUri, "cluster")));
                var up = doc.RootElement.GetProperty("members").EnumerateArray()
                    .Count(m => m.GetProperty("status").GetString() == "Up" && m.GetProperty("reachable").GetBoolean());
                if (up < Members.Count) return false;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }
        return true;
    }

    public async Task<HttpResponseMessage> CommandAsync(HttpMethod method, string path, object? body = null, string? via = null)
    {
        var member = via is null ? Hosts.First(h => h.Running) : this[via];
        var request = new HttpRequestMessage(method, new Uri(member.CommandUri, path));
        if (body is not null) request.Content = JsonContent.Create(body, options: Json);
        return await _http.SendAsync(request);
    }

    public async Task<JsonElement> GetJsonAsync(string path, string? via = null)
    {
        using var response = await CommandAsync(HttpMethod.Get, path, via: via);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task ProtectAsync(string vm, string kind = "kv")
    {
        using var response = await CommandAsync(HttpMethod.Post, "vms", new { name = vm, kind });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"protect {vm}: {(int)response.StatusCode} {text}");
        await WaitUntilAsync(async () => (await GetJsonAsync($"vms/{vm}")).GetProperty("state").GetString() == "duplex",
            TimeSpan.FromSeconds(60), $"{vm} duplex");
    }

    /// <summary>Waits until both replicas applied the same index and returns their guest snapshots.</summary>
    public async Task<(byte[] First, byte[] Second, long Applied)> ReadBothReplicasAsync(string vm)
    {
        var hosts = (await GetJsonAsync($"vms/{vm}")).GetProperty("hosts").EnumerateArray().Select(h => h.GetString()!).ToArray();
        byte[]? first = null, second = null;
        long applied = 0;
        await WaitUntilAsync(async () =>
        {
            var a = await GetJsonAsync($"vms/{vm}/local/dump", hosts[0]);
            var b = await GetJsonAsync($"vms/{vm}/local/dump", hosts[1]);
            var indexA = a.GetProperty("appliedIndex").GetInt64();
            if (indexA != b.GetProperty("appliedIndex").GetInt64()) return false;
            first = Convert.FromBase64String(a.GetProperty("snapshotBase64").GetString()!);
            second = Convert.FromBase64String(b.GetProperty("snapshotBase64").GetString()!);
            applied = indexA;
            return true;
        }, TimeSpan.FromSeconds(30), $"{vm} replicas at the same index");
        return (first!, second!, applied);
    }

    /// <summary>
    /// SIGKILLs every member, starts them again and checks that the VM is duplex, both replicas are identical and
    /// every acknowledged write is there.
    /// </summary>
    public async Task KillAllAndCheckRecoveryAsync(string vm, IReadOnlyDictionary<string, byte[]> acked)
    {
        KillAll();
        await StartAsync();
        await WaitUntilAsync(async () => (await GetJsonAsync($"vms/{vm}")).GetProperty("state").GetString() == "duplex",
            TimeSpan.FromSeconds(90), "duplex after restarting everything");
        var (first, second, _) = await ReadBothReplicasAsync(vm);
        Assert.Equal(first, second);
        AckedWrites.AssertAllPresent(acked, first);
    }

    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                last = e;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"timed out waiting for {what} ({last?.Message})\n" +
                                   string.Join("\n", Members.Select(m => $"== {m.Name} (running {m.Running})\n{m.LogTail()}")));
    }

    public async ValueTask DisposeAsync()
    {
        KillAll();
        _http.Dispose();
        await Task.Yield();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process; the temp folder is cleaned by the OS later.
        }
    }
}
