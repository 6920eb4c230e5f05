using System.Data.Common;
using LinqToDB.Interceptors;

namespace AkkaLockstep.Host.Persistence;

/// <summary>
/// Sets <c>PRAGMA synchronous</c> on every connection linq2db opens: unlike the journal mode it is
/// not stored in the file, and the connection string has no keyword for it.
/// </summary>
internal sealed class SqliteSynchronousInterceptor(SqliteSynchronous synchronous) : ConnectionInterceptor
{
    private readonly string _pragma = $"PRAGMA synchronous={synchronous.ToString().ToUpperInvariant()};";

    public override void ConnectionOpened(ConnectionEventData eventData, DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(
        ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
