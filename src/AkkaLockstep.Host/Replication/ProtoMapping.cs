using AkkaLockstep.Host.Placement;
using AkkaLockstep.Protocol;
using AkkaLockstep.Wire.Replication;
using Google.Protobuf;

namespace AkkaLockstep.Host.Replication;

/// <summary>Conversions between the protocol's records and their protobuf wire/journal forms.</summary>
public static class ProtoMapping
{
    public static InputProto ToProto(this Input input) => new()
    {
        Index = input.Index,
        Epoch = input.Epoch,
        TimestampMs = input.TimestampMs,
        Seed = input.Seed,
        SessionId = ByteString.CopyFrom(input.SessionId.ToByteArray()),
        RequestNo = input.RequestNo,
        Command = ByteString.CopyFrom(input.Command),
    };

    public static Input FromProto(this InputProto p) =>
        new(p.Index, p.Epoch, p.TimestampMs, p.Seed, new Guid(p.SessionId.Span), p.RequestNo, p.Command.ToByteArray());

    public static IReadOnlyList<Input> FromProto(this IEnumerable<InputProto> entries) => entries.Select(FromProto).ToArray();

    public static PeerEnvelopeProto ToEnvelope(this PeerMessage message, string vm, string fromHost)
    {
        var envelope = new PeerEnvelopeProto { Vm = vm, FromHost = fromHost };
        switch (message)
        {
            case Append a:
                var append = new AppendProto
                {
                    Epoch = a.Epoch, PrevIndex = a.PrevIndex, PrevEpoch = a.PrevEpoch, CommitIndex = a.CommitIndex,
                    CheckIndex = a.CheckIndex, CheckHash = a.CheckHash is null ? ByteString.Empty : ByteString.CopyFrom(a.CheckHash),
                    TakeoverIndex = a.TakeoverIndex,
                };
                append.Entries.AddRange(a.Entries.Select(ToProto));
                envelope.Append = append;
                break;
            case AppendReply r:
                envelope.AppendReply = new AppendReplyProto
                {
                    Epoch = r.Epoch, Success = r.Success, MatchIndex = r.MatchIndex, HintIndex = r.HintIndex,
                    Diverged = r.Diverged, Incarnation = r.Incarnation,
                };
                break;
            case Probe p:
                envelope.Probe = new ProbeProto
                {
                    PromisedEpoch = p.PromisedEpoch, LastEpoch = p.LastEpoch, LastIndex = p.LastIndex, Role = (int)p.Role,
                    IsReply = p.IsReply, Incarnation = p.Incarnation,
                };
                break;
            case SnapshotChunk c:
                envelope.SnapshotChunk = new SnapshotChunkProto
                {
                    Epoch = c.Epoch, SnapshotIndex = c.SnapshotIndex, SnapshotEpoch = c.SnapshotEpoch, Offset = c.Offset,
                    TotalLength = c.TotalLength, Data = UnsafeByteOperations.UnsafeWrap(c.Data), Digest = ByteString.CopyFrom(c.Digest),
                    Checksum = c.Checksum,
                };
                break;
            case CopyAck k:
                envelope.CopyAck = new CopyAckProto { Epoch = k.Epoch, SnapshotIndex = k.SnapshotIndex, Offset = k.Offset, Gap = k.Gap };
                break;
            case Retire r:
                envelope.Retire = new RetireProto { Incarnation = r.Incarnation };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(message), message.GetType().Name);
        }
        return envelope;
    }

    /// <summary>Decodes a peer message; null for an envelope that carries nothing we understand.</summary>
    public static PeerMessage? FromEnvelope(this PeerEnvelopeProto envelope) => envelope.BodyCase switch
    {
        PeerEnvelopeProto.BodyOneofCase.Append => new Append(envelope.Append.Epoch, envelope.Append.PrevIndex,
            envelope.Append.PrevEpoch, envelope.Append.Entries.FromProto(), envelope.Append.CommitIndex,
            envelope.Append.CheckIndex, envelope.Append.CheckHash.IsEmpty ? null : envelope.Append.CheckHash.ToByteArray(),
            envelope.Append.TakeoverIndex),
        PeerEnvelopeProto.BodyOneofCase.AppendReply => new AppendReply(envelope.AppendReply.Epoch, envelope.AppendReply.Success,
            envelope.AppendReply.MatchIndex, envelope.AppendReply.HintIndex, envelope.AppendReply.Diverged,
            envelope.AppendReply.Incarnation),
        PeerEnvelopeProto.BodyOneofCase.Probe => new Probe(envelope.Probe.PromisedEpoch, envelope.Probe.LastEpoch,
            envelope.Probe.LastIndex, (ReplicaRole)envelope.Probe.Role, envelope.Probe.IsReply, envelope.Probe.Incarnation),
        PeerEnvelopeProto.BodyOneofCase.SnapshotChunk => new SnapshotChunk(envelope.SnapshotChunk.Epoch,
            envelope.SnapshotChunk.SnapshotIndex, envelope.SnapshotChunk.SnapshotEpoch, envelope.SnapshotChunk.Offset,
            envelope.SnapshotChunk.TotalLength, envelope.SnapshotChunk.Data.Memory, envelope.SnapshotChunk.Digest.ToByteArray(),
            envelope.SnapshotChunk.Checksum),
        PeerEnvelopeProto.BodyOneofCase.CopyAck => new CopyAck(envelope.CopyAck.Epoch, envelope.CopyAck.SnapshotIndex,
            envelope.CopyAck.Offset, envelope.CopyAck.Gap),
        PeerEnvelopeProto.BodyOneofCase.Retire => new Retire(envelope.Retire.Incarnation),
        _ => null,
    };

    /// <summary>A snapshot written before disks were files (the machine state inside it); nothing writes these any more.</summary>
    public static ReplicaSnapshot FromProto(this ReplicaSnapshotProto p) =>
        new(p.Epoch, p.AppliedIndex, p.AppliedEpoch, p.Machine.ToByteArray(), p.Tail.FromProto());

    public static VmPlacementProto ToProto(this VmPlacement vm)
    {
        var proto = new VmPlacementProto { Name = vm.Name, Kind = vm.Kind };
        proto.Hosts.AddRange(vm.Hosts);
        return proto;
    }

    public static VmPlacement FromProto(this VmPlacementProto p) => new(p.Name, p.Kind, p.Hosts.ToArray());

    public static PlacementTableProto ToProto(this PlacementTable table)
    {
        var proto = new PlacementTableProto { Version = table.Version };
        proto.Vms.AddRange(table.Vms.Select(ToProto));
        return proto;
    }

    public static PlacementTable FromProto(this PlacementTableProto? p) =>
        p is null ? PlacementTable.Empty : new PlacementTable(p.Version, p.Vms.Select(FromProto).ToArray());
}
