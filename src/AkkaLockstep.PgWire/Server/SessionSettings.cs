using System.Globalization;

namespace AkkaLockstep.PgWire.Server;

/// <summary>
/// The run-time parameters of one connection, as SET, SHOW, RESET and current_setting() see them. They change
/// nothing in the backend; they exist so drivers that set and read them get PostgreSQL's answers.
/// </summary>
internal sealed class SessionSettings
{
    /// <summary>Parameters PostgreSQL reports with ParameterStatus at start-up and whenever they change.</summary>
    static readonly string[] Reported =
    [
        "application_name", "client_encoding", "DateStyle", "default_transaction_read_only", "in_hot_standby", "integer_datetimes",
        "IntervalStyle", "is_superuser", "server_encoding", "server_version", "session_authorization", "standard_conforming_strings", "TimeZone",
    ];

    static readonly HashSet<string> ReadOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        "server_version", "server_version_num", "server_encoding", "integer_datetimes", "in_hot_standby", "is_superuser", "max_identifier_length",
    };

    static readonly HashSet<string> AcceptedEncodings = new(StringComparer.OrdinalIgnoreCase) { "UTF8", "UTF-8", "UNICODE", "SQL_ASCII" };

    readonly Dictionary<string, string> _defaults = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public SessionSettings(string serverVersion, string user, IEnumerable<KeyValuePair<string, string>> startupParameters)
    {
        _defaults["application_name"] = "";
        _defaults["client_encoding"] = "UTF8";
        _defaults["DateStyle"] = "ISO, MDY";
        _defaults["default_transaction_read_only"] = "off";
        _defaults["default_transaction_isolation"] = "serializable";
        _defaults["transaction_isolation"] = "serializable";
        _defaults["extra_float_digits"] = "1";
        _defaults["in_hot_standby"] = "off";
        _defaults["integer_datetimes"] = "on";
        _defaults["IntervalStyle"] = "postgres";
        _defaults["is_superuser"] = "off";
        _defaults["lc_messages"] = "C";
        _defaults["max_identifier_length"] = "63";
        _defaults["search_path"] = "\"$user\", public";
        _defaults["server_encoding"] = "UTF8";
        _defaults["server_version"] = serverVersion;
        _defaults["server_version_num"] = VersionNumber(serverVersion);
        _defaults["session_authorization"] = user;
        _defaults["standard_conforming_strings"] = "on";
        _defaults["statement_timeout"] = "0";
        _defaults["TimeZone"] = "UTC";
        foreach (var (name, value) in startupParameters)
        {
            if (!ReadOnly.Contains(name))
                _defaults[name] = name.Equals("client_encoding", StringComparison.OrdinalIgnoreCase) ? CheckEncoding(value) : value;
        }
    }

    public string? Get(string name) => _values.TryGetValue(name, out var value) || _defaults.TryGetValue(name, out value) ? value : null;

    /// <summary>Sets a parameter; returns the ParameterStatus to send when it is one PostgreSQL reports.</summary>
    public KeyValuePair<string, string>? Set(string name, string value)
    {
        if (ReadOnly.Contains(name))
            throw new PgException(PgSqlState.CantChangeRuntimeParam, $"parameter \"{name}\" cannot be changed");
        if (name.Equals("client_encoding", StringComparison.OrdinalIgnoreCase))
            value = CheckEncoding(value);
        _values[name] = value;
        return ReportOf(name);
    }

    public KeyValuePair<string, string>? Reset(string name)
    {
        if (ReadOnly.Contains(name))
            throw new PgException(PgSqlState.CantChangeRuntimeParam, $"parameter \"{name}\" cannot be changed");
        _values.Remove(name);
        return ReportOf(name);
    }

    /// <summary>RESET ALL; returns the reported parameters whose value changed.</summary>
    public List<KeyValuePair<string, string>> ResetAll()
    {
        var changed = _values.Keys.Select(ReportOf).OfType<KeyValuePair<string, string>>().ToList();
        _values.Clear();
        return changed.Select(p => new KeyValuePair<string, string>(p.Key, Get(p.Key)!)).ToList();
    }

    public IEnumerable<KeyValuePair<string, string>> ReportedParameters() =>
        Reported.Select(name => new KeyValuePair<string, string>(name, Get(name)!));

    public IEnumerable<KeyValuePair<string, string>> All() =>
        _defaults.Keys.Concat(_values.Keys).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase)
            .Select(name => new KeyValuePair<string, string>(name, Get(name)!));

    /// <summary>PostgreSQL's spelling of a parameter name (SHOW's column header), e.g. datestyle → DateStyle.</summary>
    public static string CanonicalName(string name) => Reported.FirstOrDefault(r => r.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? name;

    KeyValuePair<string, string>? ReportOf(string name) =>
        Reported.FirstOrDefault(r => r.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } reported
            ? new KeyValuePair<string, string>(reported, Get(reported)!)
            : null;

    static string CheckEncoding(string value) =>
        AcceptedEncodings.Contains(value.Trim())
            ? value.Trim().Equals("SQL_ASCII", StringComparison.OrdinalIgnoreCase) ? "SQL_ASCII" : "UTF8"
            : throw new PgException(
                PgSqlState.InvalidParameterValue,
                $"invalid value for parameter \"client_encoding\": \"{value}\"",
                "The gateway speaks UTF8 only.");

    /// <summary>server_version_num from the leading "major.minor" of the version string: 15.0 → 150000.</summary>
    static string VersionNumber(string version)
    {
        var parts = new string(version.TakeWhile(c => char.IsAsciiDigit(c) || c == '.').ToArray()).Split('.');
        var major = int.TryParse(parts[0], CultureInfo.InvariantCulture, out var m) ? m : 0;
        var minor = parts.Length > 1 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var n) ? n : 0;
        return (major * 10000 + minor).ToString(CultureInfo.InvariantCulture);
    }
}
