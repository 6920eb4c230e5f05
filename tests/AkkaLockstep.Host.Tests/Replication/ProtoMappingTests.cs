using AkkaLockstep.Host.Replication;
using AkkaLockstep.Protocol;
using AkkaLockstep.Wire.Replication;
using Google.Protobuf;

namespace AkkaLockstep.Host.Tests.Replication;

/// <summary>Peer messages keep every field through the wire envelope.</summary>
public sealed class ProtoMappingTests
{
    [Fact]
    public void Small_peer_messages_come_back_equal_with_the_vm_and_sender()
    {
        PeerMessage[] messages =
        [
            new Retire("h1/abc"),
            new CopyAck(4, 100, 2048, true),
            new Probe(5, 4, 99, ReplicaRole.Secondary, true, "h2/def"),
            new AppendReply(6, true, 10, 9, false, "h2/def"),
        ];
        foreach (var message in messages)
        {
            var envelope = PeerEnvelopeProto.Parser.ParseFrom(message.ToEnvelope("db", "h1").ToByteArray());
            Assert.Equal(("db", "h1"), (envelope.Vm, envelope.FromHost));
            Assert.Equal(message, envelope.FromEnvelope());
        }
    }

    [Fact]
    public void An_envelope_with_no_body_decodes_to_nothing()
    {
        Assert.Null(new PeerEnvelopeProto { Vm = "db", FromHost = "h1" }.FromEnvelope());
    }
}
