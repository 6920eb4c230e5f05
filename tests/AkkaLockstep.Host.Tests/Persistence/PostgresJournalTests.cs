namespace AkkaLockstep.Host.Tests.Persistence;

[Collection(PostgresCollection.Name)]
public sealed class PostgresJournalTests(PostgresServerFixture server) : JournalRoundtripTests
{
    protected override string? PostgresConnectionString => server.ConnectionString;
}
