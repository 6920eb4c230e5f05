using System.Security.Cryptography;
using System.Text;

namespace AkkaLockstep.PgWire.Auth;

/// <summary>
/// SCRAM credentials of the configured users, derived once at start-up with a random salt each. For an unknown
/// user it makes up a credential whose salt is stable per name, so the exchange looks the same as for a real user
/// and the failure says nothing about which names exist.
/// </summary>
internal sealed class PgCredentialStore
{
    readonly Dictionary<string, ScramCredential> _credentials = new(StringComparer.Ordinal);
    readonly byte[] _mockSecret = RandomNumberGenerator.GetBytes(32);
    readonly int _iterations;

    public PgCredentialStore(IEnumerable<PgUser> users, int iterations)
    {
        _iterations = iterations;
        foreach (var user in users)
            _credentials[user.Name] = ScramCredential.Derive(user.Password, RandomNumberGenerator.GetBytes(16), iterations);
    }

    /// <summary>The user's credential, or a mock one (never matching any proof) with <paramref name="known"/> false.</summary>
    public ScramCredential Lookup(string user, out bool known)
    {
        known = _credentials.TryGetValue(user, out var credential);
        if (known)
            return credential!;
        var salt = HMACSHA256.HashData(_mockSecret, Encoding.UTF8.GetBytes(user))[..16];
        return new ScramCredential(salt, _iterations, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
    }
}
