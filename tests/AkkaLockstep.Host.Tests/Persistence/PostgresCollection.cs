namespace AkkaLockstep.Host.Tests.Persistence;

/// <summary>One PostgreSQL server shared by every test class that needs one.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "postgres";
}
