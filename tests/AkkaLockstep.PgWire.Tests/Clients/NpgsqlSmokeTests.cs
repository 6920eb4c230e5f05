using AkkaLockstep.PgWire.Tests.Support;

namespace AkkaLockstep.PgWire.Tests.Clients;

public sealed class NpgsqlSmokeTests
{
    [Fact]
    public async Task Connects_and_selects()
    {
        await using var server = TestServer.Start();
        await using var connection = await server.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 + 2";
        Assert.Equal(3L, await command.ExecuteScalarAsync());
    }
}
