using System.Security.Cryptography;
using System.Text;

namespace AkkaLockstep.PgWire.Tests.Support;

/// <summary>The client side of SCRAM-SHA-256 as RFC 5802 section 3 defines it, for driving the gateway in tests.</summary>
internal sealed class ScramClient(string password, string clientNonce, string gs2Header = "n,,")
{
    string? _serverSignature;

    public string ClientFirstBare => $"n=,r={clientNonce}";

    public string ClientFirst => gs2Header + ClientFirstBare;

    public string ClientFinal(string serverFirst)
    {
        var attributes = serverFirst.Split(',').ToDictionary(a => a[0], a => a[2..]);
        var salted = Rfc2898DeriveBytes.Pbkdf2(
            Encoding.UTF8.GetBytes(password), Convert.FromBase64String(attributes['s']), int.Parse(attributes['i']), HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var withoutProof = $"c={Convert.ToBase64String(Encoding.ASCII.GetBytes(gs2Header))},r={attributes['r']}";
        var authMessage = Encoding.UTF8.GetBytes($"{ClientFirstBare},{serverFirst},{withoutProof}");
        var signature = HMACSHA256.HashData(storedKey, authMessage);
        var proof = clientKey.Select((b, i) => (byte)(b ^ signature[i])).ToArray();
        _serverSignature = Convert.ToBase64String(HMACSHA256.HashData(HMACSHA256.HashData(salted, "Server Key"u8), authMessage));
        return $"{withoutProof},p={Convert.ToBase64String(proof)}";
    }

    public bool VerifyServerFinal(string serverFinal) => serverFinal == "v=" + _serverSignature;
}
