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
        var (end, written) = await ServeAsync(gateway, input);
        return (end, BackendReader.ParseAll(written));
    }

    /// <summary>Serves one connection whose client sends <paramref name="input"/> and then nothing; the raw bytes answered.</summary>
    public static async Task<(PgConnectionEnd End, byte[] Written)> ServeAsync(PgGateway gateway, byte[] input)
    {
        var written = new MemoryStream();
        var end = await gateway.ServeAsync(new CombinedStream(new MemoryStream(input, writable: false), written), CancellationToken.None);
        return (end, written.ToArray());
    }

    public static Task<(PgConnectionEnd End, List<BackendMessage> Messages)> RunAsync(FrontendWriter script) =>
        RunAsync(TrustGateway(), script.ToArray());

    /// <summary>The messages after the start-up's first ReadyForQuery.</summary>
    public static List<BackendMessage> AfterStartup(this List<BackendMessage> messages) =>
        messages.SkipWhile(m => m.Type != 'Z').Skip(1).ToList();

    public static string Types(this IEnumerable<BackendMessage> messages) => string.Concat(messages.Select(m => m.Type));
}
