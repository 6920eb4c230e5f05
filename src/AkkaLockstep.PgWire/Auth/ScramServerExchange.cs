using System.Security.Cryptography;
using System.Text;

namespace AkkaLockstep.PgWire.Auth;

/// <summary>
/// The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677) as PostgreSQL runs it: no channel binding
/// (gs2 header "n,," or "y,,"), the user name in client-first-message is ignored in favour of the startup packet's.
/// </summary>
internal sealed class ScramServerExchange(ScramCredential credential, string serverNonce)
{
    public const string Mechanism = "SCRAM-SHA-256";

    string? _gs2Header;
    string? _clientFirstBare;
    string? _serverFirst;
    string? _nonce;

    /// <summary>Takes client-first-message, returns server-first-message.</summary>
    public string Start(string clientFirst)
    {
        if (_serverFirst is not null)
            throw new ScramException("unexpected client-first-message");
        if (clientFirst.Length < 3 || clientFirst[0] is not ('n' or 'y') || clientFirst[1] != ',')
        {
            throw clientFirst.StartsWith("p=", StringComparison.Ordinal)
                ? new ScramException("channel binding is not supported")
                : new ScramException("malformed SCRAM message (invalid GS2 header)");
        }

        var authzidEnd = clientFirst.IndexOf(',', 2);
        if (authzidEnd != 2)
            throw new ScramException("authorization identities are not supported");
        _gs2Header = clientFirst[..3];
        _clientFirstBare = clientFirst[3..];
        var attributes = _clientFirstBare.Split(',');
        if (attributes.Length < 2 || !attributes[0].StartsWith("n=", StringComparison.Ordinal))
            throw new ScramException("malformed SCRAM message (expected user name)");
        if (!attributes[1].StartsWith("r=", StringComparison.Ordinal) || attributes[1].Length == 2 || !IsPrintable(attributes[1][2..]))
            throw new ScramException("malformed SCRAM message (expected nonce)");
        if (attributes.Skip(2).Any(a => a.StartsWith("m=", StringComparison.Ordinal)))
            throw new ScramException("mandatory SCRAM extensions are not supported");

        _nonce = attributes[1][2..] + serverNonce;
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(credential.Salt)},i={credential.Iterations}";
        return _serverFirst;
    }

    /// <summary>Takes client-final-message; returns server-final-message, or null when the proof is wrong.</summary>
    public string? Finish(string clientFinal)
    {
        if (_serverFirst is null)
            throw new ScramException("unexpected client-final-message");
        var proofAt = clientFinal.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
            throw new ScramException("malformed SCRAM message (expected proof)");
        var withoutProof = clientFinal[..proofAt];
        var attributes = withoutProof.Split(',');
        if (attributes.Length < 2 || !attributes[0].StartsWith("c=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal))
            throw new ScramException("malformed SCRAM message (expected channel binding and nonce)");
        if (!TryBase64(attributes[0][2..], out var binding) || !binding.AsSpan().SequenceEqual(Encoding.ASCII.GetBytes(_gs2Header!)))
            throw new ScramException("SCRAM channel binding check failed");
        if (attributes[1][2..] != _nonce)
            throw new ScramException("SCRAM nonce mismatch");
        if (!TryBase64(clientFinal[(proofAt + 3)..], out var proof) || proof.Length != 32)
            throw new ScramException("malformed SCRAM message (invalid proof)");

        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        var clientSignature = HMACSHA256.HashData(credential.StoredKey, authMessage);
        var clientKey = new byte[32];
        for (var i = 0; i < clientKey.Length; i++)
            clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), credential.StoredKey))
            return null;
        return "v=" + Convert.ToBase64String(HMACSHA256.HashData(credential.ServerKey, authMessage));
    }

    /// <summary>A fresh server nonce: 18 random bytes in base64 (printable, never a comma).</summary>
    public static string NewNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));

    static bool IsPrintable(string value) => value.All(c => c is >= '!' and <= '~' && c != ',');

    static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[(text.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(text, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }
}

/// <summary>A malformed or out-of-order SCRAM message: a protocol violation, unlike a wrong password.</summary>
internal sealed class ScramException(string message) : Exception(message);
