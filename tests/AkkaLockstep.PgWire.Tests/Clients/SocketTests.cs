using System.Net.Sockets;
using AkkaLockstep.PgWire.Tests.Support;
using Npgsql;

namespace AkkaLockstep.PgWire.Tests.Clients;

/// <summary>Raw TCP clients next to Npgsql: misbehaving connections end alone, the server keeps serving the others.</summary>
public sealed class SocketTests
{
    [Fact]
    public async Task Garbage_on_one_connection_does_not_disturb_another()
    {
        await using var server = TestServer.Start(o => new PgGatewayOptions { EndPoint = o.EndPoint, Users = o.Users, AuthMethod = PgAuthMethod.Trust });
        await using var healthy = await server.OpenAsync();
        await NpgsqlTests.ExecuteAsync(healthy, "CREATE TABLE beats (n INTEGER)");
        var random = new Random(1234);

        var garbage = Task.Run(async () =>
        {
            var answers = new List<byte[]>();
            for (var i = 0; i < 20; i++)
            {
                var junk = new byte[random.Next(1, 2000)];
                random.NextBytes(junk);
                var script = i % 2 == 0
                    ? junk
                    : [.. new FrontendWriter().Startup(("user", "alice"), ("database", "app")).ToArray(), .. junk];
                answers.Add(await SendAndReadAllAsync(server.Port, script));
            }

            return answers;
        });
        for (var i = 0; i < 50; i++)
            await NpgsqlTests.ExecuteAsync(healthy, $"INSERT INTO beats VALUES ({i})");
        var answers = await garbage;

        Assert.Equal(50L, await NpgsqlTests.ScalarAsync(healthy, "SELECT count(*) FROM beats"));
        Assert.All(answers, answer => BackendReader.ParseAll(answer));
        await NpgsqlTests.WaitUntilAsync(() => server.Backend.OpenSessions == 1);
    }

    [Fact]
    public async Task An_ssl_request_over_tcp_is_answered_with_a_single_N()
    {
        await using var server = TestServer.Start();
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", server.Port);
        var stream = client.GetStream();

        await stream.WriteAsync(new FrontendWriter().SslRequest().ToArray());
        var answer = new byte[1];
        await stream.ReadExactlyAsync(answer);
        await stream.WriteAsync(new FrontendWriter().Startup(("user", TestServer.User), ("database", "app")).ToArray());
        var request = new byte[13];
        await stream.ReadExactlyAsync(request);

        Assert.Equal((byte)'N', answer[0]);
        Assert.Equal((byte)'R', request[0]);
        Assert.Equal(10, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(request.AsSpan(5)));
    }

    [Fact]
    public async Task Disposing_the_server_ends_open_connections_with_57P01()
    {
        var server = TestServer.Start();
        await using var connection = await server.OpenAsync();

        await server.DisposeAsync();

        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => NpgsqlTests.ScalarAsync(connection, "SELECT 1"));
        Assert.Equal("57P01", Assert.IsType<PostgresException>(error as PostgresException ?? error.InnerException).SqlState);
    }

    static async Task<byte[]> SendAndReadAllAsync(int port, byte[] bytes)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(bytes);
            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (IOException)
        {
            // The server may close on the first bad bytes before the rest is written.
        }

        var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (IOException)
        {
            // A reset after the server's last message is fine; what arrived is checked by the caller.
        }

        return received.ToArray();
    }
}
