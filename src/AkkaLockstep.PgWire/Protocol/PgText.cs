using System.Text;

namespace AkkaLockstep.PgWire.Protocol;

/// <summary>The one text encoding of the gateway: UTF-8, strict on input so bad bytes become an error, not U+FFFD.</summary>
internal static class PgText
{
    public static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new PgException(PgSqlState.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"");
        }
    }
}
