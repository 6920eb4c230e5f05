using AkkaLockstep.Guests.Kv;
using AkkaLockstep.Guests.Sql;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Guests;

/// <summary>The guest kinds a host can run, by name. Third parties register their own deterministic guests.</summary>
public static class GuestCatalog
{
    private static readonly Dictionary<string, Func<IGuest>> Factories = new(StringComparer.Ordinal)
    {
        ["kv"] = () => new KvGuest(),
        [SqlGuest.KindName] = () => new SqlGuest(),
    };

    public static IReadOnlyCollection<string> Kinds
    {
        get { lock (Factories) return Factories.Keys.Order().ToArray(); }
    }

    public static bool IsKnown(string kind)
    {
        lock (Factories) return Factories.ContainsKey(kind);
    }

    public static IGuest Create(string kind)
    {
        lock (Factories)
            return Factories.TryGetValue(kind, out var factory)
                ? factory()
                : throw new ArgumentException($"unknown guest kind '{kind}' (known: {string.Join(", ", Factories.Keys.Order())})");
    }

    public static void Register(string kind, Func<IGuest> factory)
    {
        lock (Factories) Factories[kind] = factory;
    }
}
