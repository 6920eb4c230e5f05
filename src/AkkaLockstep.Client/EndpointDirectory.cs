namespace AkkaLockstep.Client;

/// <summary>
/// Every client endpoint the client knows of (configured plus learnt), and which ones recently failed, so
/// locating tries healthy endpoints first and spreads its load over them.
/// </summary>
internal sealed class EndpointDirectory
{
    private readonly object _lock = new();
    private readonly List<string> _all = [];
    private readonly Dictionary<string, long> _downSince = [];
    private int _rotation;

    public EndpointDirectory(IEnumerable<string> endpoints)
    {
        foreach (var endpoint in endpoints) Add(endpoint);
    }

    public IReadOnlyList<string> All
    {
        get { lock (_lock) return [.. _all]; }
    }

    public void Add(string endpoint)
    {
        if (string.IsNullOrEmpty(endpoint)) return;
        lock (_lock)
        {
            if (!_all.Contains(endpoint)) _all.Add(endpoint);
        }
    }

    public void MarkDown(string endpoint)
    {
        lock (_lock) _downSince.TryAdd(endpoint, Environment.TickCount64);
    }

    public void MarkUp(string endpoint)
    {
        lock (_lock) _downSince.Remove(endpoint);
    }

    /// <summary>Healthy endpoints in rotating order, then failed ones, longest-failed first.</summary>
    public IReadOnlyList<string> InTryOrder()
    {
        lock (_lock)
        {
            var start = _rotation;
            _rotation = (_rotation + 1) % _all.Count;
            var up = new List<string>(_all.Count);
            for (var i = 0; i < _all.Count; i++)
            {
                var endpoint = _all[(start + i) % _all.Count];
                if (!_downSince.ContainsKey(endpoint)) up.Add(endpoint);
            }
            up.AddRange(_downSince.OrderBy(kv => kv.Value).Select(kv => kv.Key).Where(_all.Contains));
            return up;
        }
    }
}
