namespace AkkaLockstep.Host.Configuration;

/// <summary>
/// PostgreSQL gateway users written as NAME:PASSWORD (flags and environment variables). The name ends at the first
/// colon, so a password may contain colons but a name may not. Errors never quote a password.
/// </summary>
public static class PgUserEntries
{
    /// <summary>Name to password; each malformed or repeated entry adds an error naming <paramref name="source"/>.</summary>
    public static Dictionary<string, string> Parse(IEnumerable<string> entries, string source, List<string> errors)
    {
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var colon = entry.IndexOf(':');
            var name = colon < 0 ? "" : entry[..colon].Trim();
            if (colon < 0)
                errors.Add($"{source}: an entry has no colon; write NAME:PASSWORD");
            else if (name.Length == 0)
                errors.Add($"{source}: an entry has an empty user name; write NAME:PASSWORD");
            else if (colon == entry.Length - 1)
                errors.Add($"{source}: user '{name}' has an empty password");
            else if (!users.TryAdd(name, entry[(colon + 1)..]))
                errors.Add($"{source}: user '{name}' is given twice");
        }
        return users;
    }
}
