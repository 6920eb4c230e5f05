using System.Buffers.Binary;

namespace AkkaLockstep.PgWire.Tests.Support;

/// <summary>
/// Splits gateway output into backend messages, failing on anything that is not well-formed: unknown message
/// types, lengths that do not fit. Leading 'N' bytes are encryption answers: a NoticeResponse is never the
/// first message of a connection.
/// </summary>
internal static class BackendReader
{
    const string KnownTypes = "RSKZTDCIEN123nts" + "v";

    public static List<BackendMessage> ParseAll(ReadOnlySpan<byte> output)
    {
        var messages = new List<BackendMessage>();
        var i = 0;
        while (i < output.Length && output[i] == 'N')
        {
            messages.Add(new BackendMessage(BackendMessage.EncryptionAnswer, [(byte)'N']));
            i++;
        }

        while (i < output.Length)
        {
            if (output.Length - i < 5)
                throw new FormatException($"truncated message header at {i}");
            var type = (char)output[i];
            if (!KnownTypes.Contains(type))
                throw new FormatException($"unknown backend message type {(int)type} at {i}");
            var length = BinaryPrimitives.ReadInt32BigEndian(output[(i + 1)..]);
            if (length < 4 || i + 1 + length > output.Length)
                throw new FormatException($"bad length {length} for '{type}' at {i}");
            messages.Add(new BackendMessage(type, output.Slice(i + 5, length - 4).ToArray()));
            i += 1 + length;
        }

        return messages;
    }
}
