namespace AkkaLockstep.PgWire.Tests.Support;

/// <summary>Runs one gateway connection over a scripted input and returns how it ended and what it answered.</summary>
internal static class InMemoryConnection
{
    public static PgGateway TrustGateway(InMemoryBackend? backend = null, int maxMessageLength = 64 * 1024) =>
        new(new PgGatewayOptions { AuthMethod = PgAuthMethod.Trust, MaxMessageLength = maxMessageLength }, backend ?? new InMemoryBackend());

    /// <summary>A startup packet for user "u" on database "db", to prefix a script with.</summary>
    public static FrontendWriter Connected() => new FrontendWriter().Startup(("user", "u"), ("database", "db"));

    public static async Task<(PgConnectionEnd End, List<BackendMessage> Messages)> RunAsync(PgGateway gateway, byte[] input)
    {
        var stream = new DuplexStream(input);
        var end = await gateway.ServeAsync(stream, CancellationToken.None);
        return (end, BackendReader.ParseAll(stream.Output.ToArray()));
    }

    public static Task<(PgConnectionEnd End, List<BackendMessage> Messages)> RunAsync(FrontendWriter script) =>
        RunAsync(TrustGateway(), script.ToArray());

    /// <summary>The messages after the start-up's first ReadyForQuery.</summary>
    public static List<BackendMessage> AfterStartup(this List<BackendMessage> messages) =>
        messages.SkipWhile(m => m.Type != 'Z').Skip(1).ToList();

    public static string Types(this IEnumerable<BackendMessage> messages) => string.Concat(messages.Select(m => m.Type));
}
