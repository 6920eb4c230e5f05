using System.Buffers.Binary;
using System.Security.Cryptography;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Simulation;

/// <summary>
/// A guest that records every command it executes, in order. Its output is the execution count, so a doubled
/// or lost execution is visible both in its state and in what clients were told.
/// </summary>
public sealed class RecordingGuest : IGuest
{
    private List<string> _executed = [];

    public string Kind => "recording";
    public IReadOnlyList<string> Executed => _executed;

    public byte[] Apply(ReadOnlySpan<byte> command, in InputContext context)
    {
        _executed.Add(System.Text.Encoding.UTF8.GetString(command));
        var output = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(output, _executed.Count);
        BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(8), context.Seed ^ (ulong)context.TimestampMs);
        return output;
    }

    public byte[] Snapshot() => System.Text.Encoding.UTF8.GetBytes(string.Join('\n', _executed));

    public void Restore(ReadOnlySpan<byte> snapshot)
    {
        var text = System.Text.Encoding.UTF8.GetString(snapshot);
        _executed = text.Length == 0 ? [] : text.Split('\n').ToList();
    }

    public byte[] Digest() => SHA256.HashData(Snapshot());
}
