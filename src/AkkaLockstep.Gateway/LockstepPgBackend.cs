using AkkaLockstep.Client;
using AkkaLockstep.Guests.Sql;
using AkkaLockstep.PgWire;
using AkkaLockstep.Wire;

namespace AkkaLockstep.Gateway;

/// <summary>
/// PgWire backend over a cluster: the database name is the VM name, and only VMs of the sql guest kind can be opened.
/// Each connection gets its own <see cref="LockstepPgSession"/> over <paramref name="client"/>, which follows the
/// VM's primary across failovers.
/// </summary>
public sealed class LockstepPgBackend(LockstepClient client, SqlSessionOptions? sessionOptions = null) : IPgBackend
{
    public async ValueTask<IPgSession?> OpenSessionAsync(string database, string user, CancellationToken cancellationToken)
    {
        string kind;
        try
        {
            kind = await client.GetKindAsync(database, cancellationToken).ConfigureAwait(false);
        }
        catch (LockstepException e) when (e.Status is Status.UnknownVm or Status.BadRequest)
        {
            throw new PgException(PgSqlState.InvalidCatalogName,
                $"database \"{database}\" does not exist: the cluster has no protected VM of that name",
                hint: "create one with: lockstep vm protect NAME --kind sql");
        }
        catch (Exception e) when (e is TimeoutException or LockstepException)
        {
            throw new PgException("57P03", $"cannot reach the cluster to open database \"{database}\": {e.Message}");
        }

        if (kind != SqlGuest.KindName)
        {
            throw new PgException(PgSqlState.InvalidCatalogName,
                $"database \"{database}\" is not a SQL database: VM \"{database}\" runs the {(kind.Length > 0 ? kind : "unknown")} guest, " +
                $"and only VMs of kind {SqlGuest.KindName} speak SQL");
        }
        return new LockstepPgSession(client.OpenSqlSession(database, sessionOptions));
    }
}
