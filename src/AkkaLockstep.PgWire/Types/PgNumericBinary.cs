using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace AkkaLockstep.PgWire.Types;

/// <summary>
/// numeric's binary form: digit count, weight (of the first base-10000 digit), sign, display scale, then the
/// base-10000 digits. Decoded to its exact decimal text.
/// </summary>
internal static class PgNumericBinary
{
    const ushort Positive = 0x0000;
    const ushort Negative = 0x4000;
    const ushort NaN = 0xC000;
    const ushort PositiveInfinity = 0xD000;
    const ushort NegativeInfinity = 0xF000;
    const int MaxScale = 0x3FFF;

    /// <summary>The decimal text, or null when the bytes are not a valid numeric.</summary>
    public static string? ToText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 8)
            return null;
        var count = BinaryPrimitives.ReadInt16BigEndian(bytes);
        var weight = BinaryPrimitives.ReadInt16BigEndian(bytes[2..]);
        var sign = BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]);
        var scale = BinaryPrimitives.ReadInt16BigEndian(bytes[6..]);
        if (count < 0 || scale < 0 || scale > MaxScale || bytes.Length != 8 + 2 * count)
            return null;
        switch (sign)
        {
            case NaN:
                return "NaN";
            case PositiveInfinity:
                return "Infinity";
            case NegativeInfinity:
                return "-Infinity";
            case not (Positive or Negative):
                return null;
        }

        var digits = new short[count];
        for (var i = 0; i < count; i++)
        {
            digits[i] = BinaryPrimitives.ReadInt16BigEndian(bytes[(8 + 2 * i)..]);
            if (digits[i] is < 0 or > 9999)
                return null;
        }

        var text = new StringBuilder();
        if (sign == Negative)
            text.Append('-');
        if (weight < 0)
        {
            text.Append('0');
        }
        else
        {
            for (var group = 0; group <= weight; group++)
            {
                var digit = group < count ? digits[group] : 0;
                text.Append(digit.ToString(group == 0 ? "D" : "D4", CultureInfo.InvariantCulture));
            }
        }

        if (scale > 0)
        {
            var fraction = new StringBuilder();
            for (var group = weight + 1; fraction.Length < scale; group++)
            {
                var digit = group >= 0 && group < count ? digits[group] : 0;
                fraction.Append(digit.ToString("D4", CultureInfo.InvariantCulture));
            }

            text.Append('.').Append(fraction.ToString(0, scale));
        }

        return text.ToString();
    }
}
