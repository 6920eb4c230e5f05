namespace AkkaLockstep.Chaos;

/// <summary>Compares byte arrays by content, so equal values intern to the same register state.</summary>
internal sealed class ByteContentComparer : IEqualityComparer<byte[]>
{
    public static readonly ByteContentComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] value)
    {
        var hash = new HashCode();
        hash.AddBytes(value);
        return hash.ToHashCode();
    }
}
