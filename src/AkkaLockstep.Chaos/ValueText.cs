using System.Text;

namespace AkkaLockstep.Chaos;

/// <summary>Short, readable rendering of register values for counterexamples.</summary>
internal static class ValueText
{
    private const int MaxShown = 24;

    public static string Format(byte[]? value)
    {
        if (value is null) return "absent";
        var shown = value.AsSpan(0, Math.Min(value.Length, MaxShown));
        var more = value.Length > MaxShown ? "…" : "";
        foreach (var b in shown)
            if (b is < 0x20 or > 0x7e) return "0x" + Convert.ToHexString(shown) + more;
        return "\"" + Encoding.ASCII.GetString(shown) + more + "\"";
    }
}
