using System.Net;
using Npgsql;

namespace AkkaLockstep.PgWire.Tests.Support;

/// <summary>A gateway on 127.0.0.1 and a free port over a <see cref="SqliteTestBackend"/> with databases "app" and "bench".</summary>
internal sealed class TestServer : IAsyncDisposable
{
    public const string User = "alice";
    public const string Password = "s3cret-pw";

    TestServer(PgGatewayServer server, SqliteTestBackend backend)
    {
        Server = server;
        Backend = backend;
    }

    public PgGatewayServer Server { get; }

    public SqliteTestBackend Backend { get; }

    public int Port => Server.Port;

    public static TestServer Start(Func<PgGatewayOptions, PgGatewayOptions>? configure = null)
    {
        var backend = new SqliteTestBackend("app", "bench");
        var options = new PgGatewayOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Users = [new PgUser(User, Password), new PgUser("bob", "bobs-pw")],
        };
        var server = new PgGatewayServer(configure?.Invoke(options) ?? options, backend);
        server.Start();
        return new TestServer(server, backend);
    }

    /// <summary>A plain connection string, as users will write it; pooling off so each test sees its own connections.</summary>
    public string ConnectionString(string database = "app", string user = User, string password = Password, string extra = "") =>
        $"Host=127.0.0.1;Port={Port};Username={user};Password={password};Database={database};Pooling=false;Timeout=10;Command Timeout=30{extra}";

    public async Task<NpgsqlConnection> OpenAsync(string database = "app")
    {
        var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Backend.Dispose();
    }
}
