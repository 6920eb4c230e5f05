using System.Security.Cryptography;
using System.Text;

namespace AkkaLockstep.PgWire.Auth;

/// <summary>
/// What the server keeps of a password for SCRAM-SHA-256 (RFC 5802 section 3): salt, iteration count, StoredKey
/// and ServerKey. The password itself is not kept.
/// </summary>
internal sealed record ScramCredential(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey)
{
    public static ScramCredential Derive(string password, byte[] salt, int iterations)
    {
        var saltedPassword = SaltedPassword(password, salt, iterations);
        var clientKey = HMACSHA256.HashData(saltedPassword, "Client Key"u8);
        return new(salt, iterations, SHA256.HashData(clientKey), HMACSHA256.HashData(saltedPassword, "Server Key"u8));
    }

    /// <summary>Hi(Normalize(password), salt, i); passwords are used as UTF-8 without SASLprep.</summary>
    public static byte[] SaltedPassword(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);

    /// <summary>True when <paramref name="password"/> is the one this credential was derived from (for cleartext authentication).</summary>
    public bool Matches(string password)
    {
        var clientKey = HMACSHA256.HashData(SaltedPassword(password, Salt, Iterations), "Client Key"u8);
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), StoredKey);
    }
}
