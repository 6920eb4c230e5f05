using Akka.Actor;
using Akka.Serialization;
using AkkaLockstep.Wire.Replication;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace AkkaLockstep.Host.Serialization;

/// <summary>
/// Serialises every protobuf message of the replication schema, with the message's full protobuf name as the
/// manifest. Persisted events use the same encoding, so journals survive upgrades as protobuf does.
/// </summary>
public sealed class ProtobufSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 8611;

    private static readonly Dictionary<string, MessageParser> Parsers =
        ReplicationReflection.Descriptor.MessageTypes.ToDictionary(d => d.FullName, d => d.Parser);

    public override int Identifier => SerializerId;

    public override byte[] ToBinary(object obj) =>
        obj is IMessage message ? message.ToByteArray() : throw new ArgumentException($"cannot serialise {obj.GetType()}");

    public override string Manifest(object o) =>
        o is IMessage message ? message.Descriptor.FullName : throw new ArgumentException($"no manifest for {o.GetType()}");

    public override object FromBinary(byte[] bytes, string manifest) =>
        Parsers.TryGetValue(manifest, out var parser)
            ? parser.ParseFrom(bytes)
            : throw new System.Runtime.Serialization.SerializationException($"unknown protobuf manifest '{manifest}'");
}
