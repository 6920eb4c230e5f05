using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using AkkaLockstep.Host.Replication.ReplicationLink;
using AkkaLockstep.Host.Tests.ClientEndpoint;
using AkkaLockstep.Protocol;
using AkkaLockstep.Wire.Replication;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace AkkaLockstep.Host.Tests.Replication;

/// <summary>Replica-to-replica traffic (appends, replies, probes, pieces of full copies) travels between hosts over its own TCP connection.</summary>
public sealed class ReplicationLinkTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<PeerEnvelopeProto> _delivered = new();
    private readonly ListLogger _serverLog = new();
    private readonly ReplicationLinkServer _server = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly HostDirectory _directory = new(new HostOptions { Name = "h1", Role = HostOptions.HostRole, DataDir = Path.GetTempPath() });
    private ReplicationLinks _links = null!;

    public Task InitializeAsync()
    {
        _server.Start(_delivered.Enqueue, _serverLog);
        AnnouncePeer(_server.Port);
        _links = new ReplicationLinks(_directory, new ListLogger());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _links.DisposeAsync();
        await _server.DisposeAsync();
    }

    private void AnnouncePeer(int replicationPort) =>
        _directory.SetMember(new MemberEntry("h2", new Address("akka.tcp", "lockstep", "127.0.0.1", 4054), false, null, null, $"127.0.0.1:{replicationPort}"));

    private static PeerEnvelopeProto Piece(long offset, byte[] data) => new()
    {
        Vm = "db", FromHost = "h1",
        SnapshotChunk = new SnapshotChunkProto
        {
            Epoch = 3, SnapshotIndex = 10, SnapshotEpoch = 2, Offset = offset, TotalLength = 1L << 30, Data = ByteString.CopyFrom(data),
            Digest = ByteString.CopyFrom(new byte[32]), Checksum = PieceChecksum.Of(data),
        },
    };

    private async Task WaitForAsync(Func<bool> condition, string what)
    {
        for (var waited = 0; !condition(); waited += 20)
        {
            if (waited > 10_000) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Megabyte_pieces_arrive_whole_and_in_order()
    {
        var random = new Random(7);
        var sent = Enumerable.Range(0, 20).Select(_ =>
        {
            var data = new byte[1 << 20];
            random.NextBytes(data);
            return data;
        }).ToArray();
        for (var i = 0; i < sent.Length; i++)
        {
            Assert.True(_links.TrySend("h2", Piece((long)i << 20, sent[i])));
            // The queue drops what it cannot hold (the primary's window keeps far fewer on the way): pace like one.
            if (i % 8 == 7) await WaitForAsync(() => _delivered.Count == i + 1, $"piece {i}");
        }
        await WaitForAsync(() => _delivered.Count == sent.Length, "every piece");
        var received = _delivered.ToArray();
        for (var i = 0; i < sent.Length; i++)
        {
            Assert.Equal((long)i << 20, received[i].SnapshotChunk.Offset);
            Assert.True(received[i].SnapshotChunk.Data.Span.SequenceEqual(sent[i]), $"piece {i} changed on the way");
            Assert.Equal(PieceChecksum.Of(sent[i]), received[i].SnapshotChunk.Checksum);
        }
    }

    [Fact]
    public async Task Acknowledgements_of_a_copy_travel_on_the_same_connection_after_its_pieces()
    {
        var ack = new PeerEnvelopeProto { Vm = "db", FromHost = "h1", CopyAck = new CopyAckProto { Epoch = 3, SnapshotIndex = 10, Offset = 1 } };
        Assert.True(_links.TrySend("h2", Piece(0, [1])));
        Assert.True(_links.TrySend("h2", ack));
        await WaitForAsync(() => _delivered.Count == 2, "the piece and the acknowledgement");
        var received = _delivered.ToArray();
        Assert.Equal(PeerEnvelopeProto.BodyOneofCase.SnapshotChunk, received[0].BodyCase);
        Assert.Equal(ack, received[1]);
        Assert.Equal(0, _serverLog.Count(LogLevel.Warning));
    }

    [Fact]
    public void A_host_that_announces_no_copy_endpoint_gets_its_pieces_another_way()
    {
        Assert.False(_links.TrySend("h3", Piece(0, [1, 2, 3])));
        _directory.SetMember(new MemberEntry("h3", new Address("akka.tcp", "lockstep", "127.0.0.1", 4055), false, null, null, "not-an-endpoint"));
        Assert.False(_links.TrySend("h3", Piece(0, [1, 2, 3])));
    }

    [Fact]
    public async Task Bytes_that_are_not_frames_close_only_that_connection()
    {
        using (var garbage = new TcpClient())
        {
            await garbage.ConnectAsync(IPAddress.Loopback, _server.Port);
            await garbage.GetStream().WriteAsync(new byte[] { 0xff, 0xff, 0xff, 0xff, 1, 2, 3 });
            await WaitForAsync(() => _serverLog.Count(LogLevel.Warning) == 1, "the warning about the bad frame");
        }
        Assert.Contains(_serverLog.Entries, e => e.Message.Contains("exceeds", StringComparison.Ordinal));
        Assert.True(_links.TrySend("h2", Piece(0, [9])));
        await WaitForAsync(() => _delivered.Count == 1, "a piece on a good connection");
    }

    [Fact]
    public async Task Catch_up_entries_travel_on_the_copy_connection()
    {
        var append = new PeerEnvelopeProto
        {
            Vm = "db", FromHost = "h1",
            Append = new AppendProto { Epoch = 4, PrevIndex = 10, Entries = { new InputProto { Index = 11, Epoch = 4, Command = ByteString.CopyFrom(new byte[300_000]) } } },
        };
        Assert.True(_links.TrySend("h2", append));
        await WaitForAsync(() => _delivered.Count == 1, "the append");
        Assert.Equal(append, _delivered.Single());
        Assert.Equal(0, _serverLog.Count(LogLevel.Warning));
    }

    /// <summary>
    /// A peer announced on a port nobody listens on: the first message finds it closed; after that the link says it is
    /// down and the caller uses Akka.Remote. Returns the port.
    /// </summary>
    private async Task<int> RefusingPeerAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        AnnouncePeer(port);
        _links.TrySend("h2", Piece(0, [1]));
        await WaitForAsync(() => !_links.TrySend("h2", Piece(0, [1])), "the link to refuse messages");
        return port;
    }

    [Fact]
    public async Task While_the_peers_copy_port_refuses_connections_messages_go_another_way_until_it_listens_again()
    {
        var port = await RefusingPeerAsync();
        var delivered = new ConcurrentQueue<PeerEnvelopeProto>();
        await using var back = new ReplicationLinkServer(new IPEndPoint(IPAddress.Loopback, port));
        back.Start(delivered.Enqueue, new ListLogger());
        // It reconnects by itself, with nothing queued meanwhile.
        await WaitForAsync(() => _links.TrySend("h2", Piece(7, [7])) && !delivered.IsEmpty, "the link to take messages again");
        Assert.Equal(7, delivered.First().SnapshotChunk.Offset);
    }

    /// <summary>
    /// A restarted host is joining (not yet Up here) when its replicas ask ours for a full copy: the copy goes over its new
    /// replication connection at once, and only a host that is Up or joining is reached.
    /// </summary>
    [Fact]
    public async Task A_host_still_joining_is_reached_over_its_replication_connection_and_forgotten_if_removed_before_it_is_up()
    {
        var address = new Address("akka.tcp", "lockstep", "127.0.0.1", 4054);
        _directory.RemoveMember("h2");
        Assert.False(_links.TrySend("h2", Piece(0, [1])));
        var manager = new ActorSelection(ActorRefs.Nobody, "/user/replicas");
        _directory.SetJoining(new MemberEntry("h2", address, false, null, null, $"127.0.0.1:{_server.Port}"), manager);
        Assert.Null(_directory.Member("h2"));
        Assert.Same(manager, _directory.PeerManager("h2"));
        Assert.True(_links.TrySend("h2", Piece(5, [5])));
        await WaitForAsync(() => !_delivered.IsEmpty, "the piece");
        Assert.Equal(5, _delivered.Single().SnapshotChunk.Offset);

        _directory.ForgetJoining("h2", address);
        Assert.Null(_directory.ReplicationEndpointOf("h2"));
        Assert.Null(_directory.PeerManager("h2"));
        Assert.False(_links.TrySend("h2", Piece(6, [6])));
    }

    /// <summary>A host restarting listens before it rejoins: its peer's link is back within a few retries, not a second later.</summary>
    [Fact]
    public async Task A_link_refused_by_a_restarting_peer_is_back_soon_after_the_peer_listens()
    {
        var port = await RefusingPeerAsync();
        var delivered = new ConcurrentQueue<PeerEnvelopeProto>();
        await using var back = new ReplicationLinkServer(new IPEndPoint(IPAddress.Loopback, port));
        back.Start(delivered.Enqueue, new ListLogger());
        var clock = Stopwatch.StartNew();
        await WaitForAsync(() => _links.TrySend("h2", Piece(7, [7])) && !delivered.IsEmpty, "the link to take messages again");
        // Well under the one-second retry a timed-out connect gets (many quick retries' worth on a loaded machine).
        Assert.True(clock.ElapsedMilliseconds < 700, $"the link came back {clock.ElapsedMilliseconds} ms after the peer listened");
    }

    [Fact]
    public async Task Every_kind_of_peer_message_is_delivered_but_one_with_nothing_understood_closes_that_connection()
    {
        var reply = new PeerEnvelopeProto { Vm = "db", FromHost = "h1", AppendReply = new AppendReplyProto { Epoch = 4, Success = true, MatchIndex = 9 } };
        Assert.True(_links.TrySend("h2", reply));
        await WaitForAsync(() => _delivered.Count == 1, "the reply");
        Assert.Equal(reply, _delivered.Single());

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _server.Port);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        AkkaLockstep.Wire.Framing.FrameEncoder.Write(buffer, new PeerEnvelopeProto { Vm = "db", FromHost = "h9" });
        AkkaLockstep.Wire.Framing.FrameEncoder.Write(buffer, Piece(0, [1]));
        await tcp.GetStream().WriteAsync(buffer.WrittenMemory);
        await WaitForAsync(() => _serverLog.Count(LogLevel.Warning) == 1, "the warning");
        Assert.Contains(_serverLog.Entries, e => e.Message.Contains("nothing in it this host understands", StringComparison.Ordinal));
        // The server read no further on that connection.
        Assert.Equal(0, await tcp.GetStream().ReadAsync(new byte[1]));
        Assert.Single(_delivered);
    }

    [Fact]
    public async Task A_peer_that_comes_back_on_another_port_gets_a_new_connection()
    {
        Assert.True(_links.TrySend("h2", Piece(0, [1])));
        await WaitForAsync(() => _delivered.Count == 1, "the first piece");
        var delivered = new ConcurrentQueue<PeerEnvelopeProto>();
        await using var restarted = new ReplicationLinkServer(new IPEndPoint(IPAddress.Loopback, 0));
        restarted.Start(delivered.Enqueue, new ListLogger());
        AnnouncePeer(restarted.Port);
        Assert.True(_links.TrySend("h2", Piece(1, [2])));
        await WaitForAsync(() => delivered.Count == 1, "the piece at the new port");
        Assert.Equal(1, delivered.Single().SnapshotChunk.Offset);
    }
}
