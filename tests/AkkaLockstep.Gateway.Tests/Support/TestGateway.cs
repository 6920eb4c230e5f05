using System.Net;
using AkkaLockstep.PgWire;
using Npgsql;

namespace AkkaLockstep.Gateway.Tests.Support;

/// <summary>A <see cref="LockstepGateway"/> on a free loopback port in front of a <see cref="FakeSqlCluster"/>.</summary>
internal sealed class TestGateway : IAsyncDisposable
{
    public const string User = "app";
    public const string Password = "secret";

    private TestGateway(FakeSqlCluster cluster, LockstepGateway gateway)
    {
        Cluster = cluster;
        Gateway = gateway;
    }

    public FakeSqlCluster Cluster { get; }

    public LockstepGateway Gateway { get; }

    public static async Task<TestGateway> StartAsync(params string[] sqlVms)
    {
        var cluster = new FakeSqlCluster(sqlVms);
        await cluster.StartAsync();
        var gateway = LockstepGateway.Start(new LockstepGatewayOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            ClusterEndpoints = [cluster.Endpoint],
            Users = [new PgUser(User, Password)],
        });
        return new TestGateway(cluster, gateway);
    }

    /// <summary>A plain Npgsql connection string; no pooling, so closing a connection ends its gateway session.</summary>
    public string ConnectionString(string database, string password = Password) =>
        $"Host=127.0.0.1;Port={Gateway.LocalEndPoint.Port};Username={User};Password={password};Database={database};Pooling=false;Timeout=15";

    public async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
