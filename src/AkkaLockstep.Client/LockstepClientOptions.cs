namespace AkkaLockstep.Client;

public sealed record LockstepClientOptions
{
    /// <summary>"host:port" client endpoints of any hosts; more are learnt from locate answers.</summary>
    public required IReadOnlyList<string> Endpoints { get; init; }

    /// <summary>Overall budget of one call, including waiting for the session, locating and every retry.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First pause between retries; doubles up to <see cref="MaxBackoff"/>, with jitter.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(20);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Budget to open a connection; also bounds how long one endpoint may take to answer a locate.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A connection that has received nothing for this long is pinged.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// A connection that has received nothing (not even a pong) for this long is declared dead and its requests
    /// are retried elsewhere. This is what notices a host that vanished without closing its sockets, while a
    /// request that is merely slow on a live host is left to finish.
    /// </summary>
    public TimeSpan DeadConnectionTimeout { get; init; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        if (Endpoints is null || Endpoints.Count == 0) throw new ArgumentException("at least one endpoint is needed", nameof(Endpoints));
        foreach (var endpoint in Endpoints) EndpointAddress.Parse(endpoint);
        Positive(RequestTimeout, nameof(RequestTimeout));
        Positive(InitialBackoff, nameof(InitialBackoff));
        Positive(ConnectTimeout, nameof(ConnectTimeout));
        Positive(KeepAliveInterval, nameof(KeepAliveInterval));
        if (MaxBackoff < InitialBackoff) throw new ArgumentException("MaxBackoff must not be below InitialBackoff", nameof(MaxBackoff));
        if (DeadConnectionTimeout <= KeepAliveInterval)
            throw new ArgumentException("DeadConnectionTimeout must exceed KeepAliveInterval", nameof(DeadConnectionTimeout));
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(name, value, "must be positive");
    }
}
