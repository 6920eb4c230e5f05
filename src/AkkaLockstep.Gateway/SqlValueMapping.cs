using AkkaLockstep.Guests.Sql;
using AkkaLockstep.PgWire;

namespace AkkaLockstep.Gateway;

/// <summary>Bound PostgreSQL parameters as the sql guest's typed values.</summary>
public static class SqlValueMapping
{
    /// <summary>
    /// PgWire has already decoded each parameter by its declared type into null, long, double, bool, byte[] or string.
    /// SQLite has no boolean storage class; like SQLite's own TRUE and FALSE, a bool becomes the integer 1 or 0.
    /// </summary>
    public static SqlValue ToSqlValue(PgParameter parameter, int position) => parameter.Value switch
    {
        null => SqlValue.Null,
        long l => SqlValue.Integer(l),
        double d => SqlValue.Real(d),
        bool b => SqlValue.Integer(b ? 1 : 0),
        byte[] bytes => SqlValue.Blob(bytes),
        string s => SqlValue.Text(s),
        var other => throw new PgException(PgSqlState.FeatureNotSupported,
            $"parameter ${position} has a value of type {other.GetType().Name}, which the sql guest cannot take"),
    };

    public static SqlValue[] ToSqlValues(IReadOnlyList<PgParameter> parameters)
    {
        var values = new SqlValue[parameters.Count];
        for (var i = 0; i < values.Length; i++) values[i] = ToSqlValue(parameters[i], i + 1);
        return values;
    }
}
