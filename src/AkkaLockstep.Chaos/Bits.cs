namespace AkkaLockstep.Chaos;

/// <summary>Bit sets over ulong words, for the sets of linearized ops the search memoizes.</summary>
internal static class Bits
{
    public static ulong[] Create(int bits) => new ulong[(bits + 63) / 64];

    public static bool Has(ulong[] set, int bit) => (set[bit >> 6] & (1UL << bit)) != 0;

    public static void Set(ulong[] set, int bit) => set[bit >> 6] |= 1UL << bit;

    public static void Clear(ulong[] set, int bit) => set[bit >> 6] &= ~(1UL << bit);

    public static bool IsSubset(ulong[] subset, ulong[] set)
    {
        for (var i = 0; i < subset.Length; i++)
            if ((subset[i] & ~set[i]) != 0) return false;
        return true;
    }
}
