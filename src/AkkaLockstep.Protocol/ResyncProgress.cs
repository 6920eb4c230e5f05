namespace AkkaLockstep.Protocol;

/// <summary>A primary's view of its peer catching up, for operators: how far, how fast, how long still.</summary>
/// <param name="Percent">Share of the gap closed since the catch-up began (the target moves while clients write).</param>
/// <param name="EtaSeconds">Null while the gap does not shrink.</param>
public sealed record ResyncSnapshot(double Percent, long LagInputs, long LagBytes, double InputsPerSecond, double? EtaSeconds);

/// <summary>
/// Follows one catch-up episode from periodic observations of the peer's matched index and the log's end: the
/// start of the episode is the baseline for the percentage, and a few seconds of samples give the rate and the
/// time left. Pure: time comes in as an argument.
/// </summary>
public sealed class ResyncProgress
{
    private const long WindowMs = 5000;
    private readonly Queue<(long AtMs, long Match, long Lag)> _samples = new();
    private long _startMatch = -1;

    private double _percent;
    private long _lag;
    private double _rate;
    private double? _eta;

    public bool Active => _startMatch >= 0;

    /// <summary>The peer is not catching up (duplex, or gone): the next catch-up starts a new episode.</summary>
    public void Stop()
    {
        _samples.Clear();
        _startMatch = -1;
    }

    public void Observe(long nowMs, long peerMatch, long lastIndex)
    {
        _lag = Math.Max(0, lastIndex - peerMatch);
        if (_startMatch < 0) _startMatch = peerMatch;
        _samples.Enqueue((nowMs, peerMatch, _lag));
        while (_samples.Count > 2 && nowMs - _samples.Peek().AtMs > WindowMs) _samples.Dequeue();
        var gap = lastIndex - _startMatch;
        _percent = gap <= 0 ? 100.0 : Math.Clamp(100.0 * (peerMatch - _startMatch) / gap, 0, 100);
        var (oldAt, oldMatch, oldLag) = _samples.Peek();
        var seconds = (nowMs - oldAt) / 1000.0;
        _rate = seconds > 0 ? (peerMatch - oldMatch) / seconds : 0;
        var shrinking = seconds > 0 ? (oldLag - _lag) / seconds : 0;
        _eta = shrinking > 0 ? _lag / shrinking : null;
    }

    /// <summary>The episode so far; <paramref name="lagBytes"/> is asked for only here, as it costs a pass over the gap.</summary>
    public ResyncSnapshot? Snapshot(long lagBytes) => Active
        ? new ResyncSnapshot(Math.Round(_percent, 1), _lag, lagBytes, Math.Round(_rate, 1), _eta is { } eta ? Math.Round(eta, 1) : null)
        : null;
}
