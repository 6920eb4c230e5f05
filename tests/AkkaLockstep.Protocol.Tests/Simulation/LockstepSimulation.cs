using System.Buffers.Binary;
using AkkaLockstep.Protocol;
using AkkaLockstep.Protocol.Tests.Core;

namespace AkkaLockstep.Protocol.Tests.Simulation;

/// <summary>
/// One seeded scenario: two replicas and a witness exchange messages over a network that loses, duplicates,
/// delays (and so reorders) messages and can be cut; replicas crash and restart from their journals; clients
/// retry with the same request number. Every choice comes from one seeded generator, so a seed replays exactly.
/// </summary>
public sealed class LockstepSimulation
{
    private const string A = "a", B = "b";
    private readonly SimOptions _options;
    private readonly Random _random;
    private readonly PriorityQueue<Action, (long, long)> _events = new();
    private readonly Dictionary<string, SimReplica> _replicas = new();
    private readonly Dictionary<string, WitnessRegister> _witness = new() { ["vm"] = WitnessRegister.Empty };
    private readonly List<SimClient> _clients = [];
    private readonly Dictionary<long, Input> _appliedByIndex = new();
    private readonly Dictionary<long, HashSet<string>> _primariesByEpoch = new();
    private readonly List<string> _violations = [];
    private long _now;
    private long _sequence;
    private bool _partitioned;
    private bool _witnessDown;

    public LockstepSimulation(int seed, SimOptions? options = null)
    {
        Seed = seed;
        _options = options ?? new SimOptions();
        _random = new Random(seed);
    }

    public int Seed { get; }

    /// <summary>When set, receives a line per notable event (role changes, crashes, truncations, acknowledgements).</summary>
    public Action<string>? Trace { get; init; }

    private void Log(string line) => Trace?.Invoke($"{_now,6} {line}");
    public IReadOnlyList<string> Violations => _violations;
    public long EndTimeMs => _now;
    public int Crashes { get; private set; }
    public int FullCopies { get; private set; }

    /// <summary>Incoming copies a restarted replica took up from its partial copy instead of from the start.</summary>
    public int ResumedCopies { get; private set; }

    /// <summary>Full copies a primary sent from its state frozen in memory (the rest are captures).</summary>
    public int FrozenCopies { get; private set; }
    public long MaxEpoch { get; private set; }

    private sealed class SimReplica(string name)
    {
        public string Name { get; } = name;
        public ReplicaCore? Core { get; set; }
        public int Incarnation { get; set; }
        public bool Up => Core is not null;
        public SimJournal Journal { get; } = new();
        public long LastCompletionAt { get; set; }
        public long CheckedApplied { get; set; }
        public long DownUntil { get; set; }
        /// <summary>What survives a crash of an incoming full copy: the replica's partial copy file.</summary>
        public SimPartialCopy? PartialCopy { get; set; }
        /// <summary>The index of a copy whose partial file a crash left garbage in: its checksum alarm is expected.</summary>
        public long DamagedCopyIndex { get; set; } = -1;
    }

    /// <summary>A partial copy file: which copy, and the bytes written to it in order.</summary>
    private sealed class SimPartialCopy(long index, long length, byte[] digest)
    {
        public long Index { get; } = index;
        public long Length { get; } = length;
        public byte[] Digest { get; set; } = digest;
        public List<byte> Bytes { get; } = [];
    }

    /// <summary>An incoming copy kept in the replica's simulated partial copy file, taken up again after a crash.</summary>
    private sealed class SimCopySink : MemoryCopySink
    {
        private readonly SimReplica _replica;
        private SimPartialCopy _file;

        public SimCopySink(SimReplica replica, long index, long length, byte[] digest, Action resumed) : base(index, length, digest)
        {
            _replica = replica;
            if (replica.PartialCopy is { } left && left.Index == index && left.Length == length && DigestAgrees(left.Digest))
            {
                _file = left;
                LearnDigest(left.Digest);
                if (left.Bytes.Count > 0) resumed();
                ResumeInMemory(left.Bytes.ToArray());
            }
            else replica.PartialCopy = _file = new SimPartialCopy(index, length, digest);
        }

        protected override void Store(long offset, ReadOnlyMemory<byte> piece)
        {
            if (offset != _file.Bytes.Count) throw new InvalidOperationException($"a piece at {offset} stored after {_file.Bytes.Count} bytes");
            _file.Bytes.AddRange(piece.Span);
            base.Store(offset, piece);
        }

        protected override void DigestLearned() => _file.Digest = Digest;

        protected override void Discard() => _replica.PartialCopy = null;
    }

    private sealed class SimClient(int id, Guid session)
    {
        public int Id { get; } = id;
        public Guid Session { get; } = session;
        public long RequestNo { get; set; }
        public int Attempt { get; set; }
        public string Target { get; set; } = A;
        public bool Done { get; set; }
        public bool Acknowledged { get; set; }
        public Dictionary<long, long> AckedCount { get; } = new();
        public string Command => $"c{Id}-r{RequestNo}";
    }

    private sealed record ClientToken(int Client, long RequestNo, int Attempt);

    public bool Run()
    {
        foreach (var name in new[] { A, B }) _replicas[name] = new SimReplica(name);
        foreach (var replica in _replicas.Values) StartReplica(replica);
        for (var i = 0; i < _options.Clients; i++)
        {
            var client = new SimClient(i, new Guid(_random.NextInt64().ToString("x16") + _random.NextInt64().ToString("x16")));
            _clients.Add(client);
            At(_random.Next(0, 50), () => NextRequest(client));
        }
        At(10, Step);
        while (_events.TryDequeue(out var action, out var key))
        {
            _now = key.Item1;
            try
            {
                action();
                CheckAppliedAgreement();
            }
            catch (Exception e)
            {
                Violation($"exception: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
            if (_violations.Count > 0) return false;
            if (_now > _options.GiveUpAtMs)
            {
                Violation($"no convergence by {_options.GiveUpAtMs} ms: {Describe()}");
                return false;
            }
            if (_now > _options.FaultWindowMs && Converged()) break;
        }
        FinalChecks();
        return _violations.Count == 0;
    }

    private void Violation(string message) => _violations.Add($"seed {Seed} at {_now} ms: {message}");

    private void At(long delay, Action action) => _events.Enqueue(action, (_now + Math.Max(0, delay), _sequence++));

    // ---- replicas ----

    private void StartReplica(SimReplica replica)
    {
        replica.Incarnation++;
        var core = new ReplicaCore(replica.Name, replica.Name == A ? B : A, replica.Name == A,
            $"{replica.Name}#{replica.Incarnation}", new RecordingGuest(), (ulong)_random.NextInt64(),
            new ReplicaOptions
            {
                MaxBatchInputs = 1 + _random.Next(4), MaxInFlightBatches = 1 + _random.Next(4), MaxCatchUpEntries = 1 + _random.Next(8),
                // Full copies in many small pieces with a small window, so lost, doubled and reordered pieces and
                // resumption are exercised.
                SnapshotChunkBytes = 8 + _random.Next(64), CopyWindowBytes = 16 + _random.Next(256), CopyStallMs = 100 + _random.Next(900),
            });
        replica.Journal.ReplayInto(core);
        core.IncomingCopies = (index, length, digest) => new SimCopySink(replica, index, length, digest, () => ResumedCopies++);
        // Half the incarnations send their state frozen, read piece by piece (resends lay it out again), the rest a capture.
        if (_random.Next(2) == 0)
        {
            var hashMs = _random.Next(0, 300);
            core.FrozenCopies = (index, image) =>
            {
                FrozenCopies++;
                var readyAt = _now + hashMs;
                return new HeldDigestSource(index, image, () => _now >= readyAt);
            };
        }
        replica.Core = core;
        replica.CheckedApplied = 0;
        replica.LastCompletionAt = _now;
        Execute(replica, core.Start(_now));
    }

    private void Crash(SimReplica replica)
    {
        Crashes++;
        Log($"crash {replica.Name}");
        replica.Core = null;
        replica.DownUntil = _now + _random.Next(20, 400);
        // A machine crash may cut the last write to a partial copy short or leave garbage in it; the copy's digest finds out.
        if (replica.PartialCopy is { Bytes.Count: > 0 } partial && _random.Next(4) == 0)
        {
            if (_random.Next(2) == 0) partial.Bytes.RemoveRange(partial.Bytes.Count - 1, 1);
            else
            {
                partial.Bytes[_random.Next(partial.Bytes.Count)] ^= 0x5a;
                replica.DamagedCopyIndex = partial.Index;
            }
        }
    }

    private void Feed(SimReplica replica, CoreCommand command)
    {
        if (replica.Core is null) return;
        Execute(replica, replica.Core.Handle(command, _now));
    }

    private void Execute(SimReplica replica, IReadOnlyList<Effect> effects)
    {
        var incarnation = replica.Incarnation;
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case PersistEpoch or PersistEntries or PersistTruncate or PersistSnapshot:
                    if (effect is PersistTruncate cut) Log($"{replica.Name} truncates from {cut.FromIndex}");
                    if (effect is PersistEntries pe) Log($"{replica.Name} persists {string.Join(",", pe.Entries.Select(x => $"{x.Index}:e{x.Epoch}:{System.Text.Encoding.UTF8.GetString(x.Command)}"))}");
                    if (effect is PersistSnapshot copy)
                    {
                        FullCopies++;
                        Log($"{replica.Name} installs a full copy at {copy.Snapshot.AppliedIndex}");
                    }
                    var opId = effect switch
                    {
                        PersistEpoch e => e.OpId, PersistEntries e => e.OpId, PersistTruncate t => t.OpId, PersistSnapshot s => s.OpId, _ => 0,
                    };
                    replica.LastCompletionAt = Math.Max(replica.LastCompletionAt, _now) + _random.Next(0, 4);
                    _events.Enqueue(() =>
                    {
                        if (replica.Incarnation != incarnation || !replica.Up) return;
                        replica.Journal.MakeDurable(effect);
                        Feed(replica, new LocalPersisted(opId));
                    }, (replica.LastCompletionAt, _sequence++));
                    break;
                case SendToPeer send:
                    if (send.Message is SnapshotChunk chunk) Log($"{replica.Name} sends copy piece {chunk.SnapshotIndex}@{chunk.Offset}+{chunk.Data.Length}/{chunk.TotalLength}");
                    if (send.Message is CopyAck ack) Log($"{replica.Name} acks copy {ack.SnapshotIndex}@{ack.Offset}{(ack.Gap ? " gap" : "")}");
                    SendBetweenReplicas(replica.Name == A ? B : A, send.Message);
                    break;
                case Reply reply:
                    if (reply.Status == ReplyStatus.Ok) CheckOutputRule(replica, (ClientToken)reply.Token);
                    DeliverReply(reply);
                    break;
                case ClaimEpoch claim:
                    var claimant = replica.Core!.Incarnation;
                    SendToWitness(replica, register =>
                    {
                        var (granted, next) = register.Claim(claim.Epoch, claimant, claim.Simplex, _now, claim.LeaseMs);
                        return (next, granted ? new EpochGranted(claim.Epoch, claim.RequestedAtMs) : new EpochRefused(claim.Epoch, next.GrantedEpoch));
                    });
                    break;
                case RenewLease renew:
                    var holder = replica.Core!.Incarnation;
                    SendToWitness(replica, register =>
                    {
                        var (renewed, next) = register.Renew(renew.Epoch, holder, _now, renew.LeaseMs);
                        return (next, new LeaseAnswered(renew.Epoch, renewed, renew.RequestedAtMs));
                    });
                    break;
                case RoleChanged anyRole when anyRole.Role != ReplicaRole.Primary:
                    Log($"{replica.Name} -> {anyRole.Role} e{anyRole.Epoch} ({Describe()})");
                    break;
                case RoleChanged { Role: ReplicaRole.Primary } changed:
                    Log($"{replica.Name} -> Primary e{changed.Epoch} last {replica.Core!.LastIndex} applied {replica.Core.AppliedIndex}");
                    if (!_primariesByEpoch.TryGetValue(changed.Epoch, out var set)) _primariesByEpoch[changed.Epoch] = set = [];
                    set.Add(replica.Core!.Incarnation);
                    if (set.Count > 1) Violation($"two primaries in epoch {changed.Epoch}: {string.Join(", ", set)}");
                    MaxEpoch = Math.Max(MaxEpoch, changed.Epoch);
                    break;
                case Alarm alarm when alarm.Message.EndsWith($"at index {replica.DamagedCopyIndex} failed its checksum; asking for it again",
                    StringComparison.Ordinal):
                    Log($"{replica.Name} refuses the partial copy a crash damaged: {alarm.Message}");
                    replica.DamagedCopyIndex = -1;
                    break;
                case Alarm alarm:
                    Violation($"alarm on {replica.Name}: {alarm.Message}");
                    break;
            }
        }
    }

    // ---- network ----

    private void SendBetweenReplicas(string to, PeerMessage message)
    {
        if (_partitioned || _random.NextDouble() < _options.LossRate) return;
        var copies = _random.NextDouble() < _options.DuplicateRate ? 2 : 1;
        for (var i = 0; i < copies; i++)
            At(_random.Next(0, _options.MaxDelayMs + 1), () =>
            {
                if (!_partitioned) Feed(_replicas[to], new PeerReceived(message));
            });
    }

    /// <summary>A request to the witness; the answer it computes travels back over the same lossy network.</summary>
    private void SendToWitness(SimReplica replica, Func<WitnessRegister, (WitnessRegister, CoreCommand)> decide)
    {
        if (_witnessDown || _random.NextDouble() < _options.LossRate) return;
        var incarnation = replica.Incarnation;
        At(_random.Next(0, _options.MaxDelayMs + 1), () =>
        {
            if (_witnessDown) return;
            var (next, answer) = decide(_witness["vm"]);
            _witness["vm"] = next;
            if (_random.NextDouble() < _options.LossRate) return;
            At(_random.Next(0, _options.MaxDelayMs + 1), () =>
            {
                if (replica.Incarnation == incarnation) Feed(replica, answer);
            });
        });
    }

    // ---- clients ----

    private void NextRequest(SimClient client)
    {
        if (client.RequestNo >= _options.RequestsPerClient)
        {
            client.Done = true;
            return;
        }
        client.RequestNo++;
        client.Acknowledged = false;
        SendRequest(client);
    }

    private void SendRequest(SimClient client)
    {
        client.Attempt++;
        var token = new ClientToken(client.Id, client.RequestNo, client.Attempt);
        var request = new ClientRequest(token, client.Session, client.RequestNo, System.Text.Encoding.UTF8.GetBytes(client.Command));
        var target = _replicas[client.Target];
        if (_random.NextDouble() >= _options.LossRate)
            At(_random.Next(0, _options.MaxDelayMs + 1), () => Feed(target, request));
        var attempt = client.Attempt;
        At(400, () =>
        {
            if (client.Attempt != attempt || client.Done || client.Acknowledged || client.RequestNo != token.RequestNo) return;
            client.Target = client.Target == A ? B : A;
            SendRequest(client);
        });
    }

    private void DeliverReply(Reply reply)
    {
        var token = (ClientToken)reply.Token;
        if (_random.NextDouble() < _options.LossRate) return;
        At(_random.Next(0, _options.MaxDelayMs + 1), () =>
        {
            var client = _clients[token.Client];
            if (client.Done || client.Acknowledged || client.RequestNo != token.RequestNo) return;
            switch (reply.Status)
            {
                case ReplyStatus.Ok:
                    OnAcknowledged(client, reply.Output);
                    client.Acknowledged = true;
                    client.Attempt++;
                    At(_random.Next(0, 5), () => NextRequest(client));
                    break;
                case ReplyStatus.NotPrimary when reply.LeaderHint is not null && token.Attempt == client.Attempt:
                    client.Target = reply.LeaderHint;
                    SendRequest(client);
                    break;
                case ReplyStatus.NotPrimary or ReplyStatus.Unavailable when token.Attempt == client.Attempt:
                    client.Target = client.Target == A ? B : A;
                    client.Attempt++;
                    At(20, () => { if (client.RequestNo == token.RequestNo && !client.Done) SendRequest(client); });
                    break;
                case ReplyStatus.Stale:
                    Violation($"client {client.Id} request {token.RequestNo} answered stale");
                    break;
            }
        });
    }

    /// <summary>
    /// Output rule: an answered input is durable in both journals, or, from a simplex primary (which holds the
    /// witness's grant), in its own. An input this primary finds already applied from an earlier epoch (a retry
    /// answered from the session table) committed under that epoch's rule, possibly alone: it must be in its own.
    /// </summary>
    private void CheckOutputRule(SimReplica replying, ClientToken token)
    {
        var client = _clients[token.Client];
        var core = replying.Core!;
        var ownJournalOnly = core.Simplex || !SequencedInThisEpoch(core, client.Session, token.RequestNo);
        foreach (var replica in _replicas.Values)
        {
            if (ownJournalOnly && replica != replying) continue;
            if (!replica.Journal.Holds(client.Session, token.RequestNo))
                Violation($"client {client.Id} request {token.RequestNo} answered by {replying.Name}{(core.Simplex ? " (simplex)" : "")} but not durable on {replica.Name}");
        }
    }

    private static bool SequencedInThisEpoch(ReplicaCore core, Guid session, long requestNo)
    {
        for (var i = core.LastIndex; i > 0 && core.LogEntry(i) is { } input; i--)
            if (input.SessionId == session && input.RequestNo == requestNo) return input.Epoch == core.Epoch;
        return false;
    }

    private void OnAcknowledged(SimClient client, byte[] output)
    {
        client.AckedCount[client.RequestNo] = BinaryPrimitives.ReadInt64LittleEndian(output);
        Log($"ack {client.Command} #{client.AckedCount[client.RequestNo]}");
    }

    // ---- faults and time ----

    private void Step()
    {
        var faulty = _now < _options.FaultWindowMs;
        foreach (var replica in _replicas.Values)
        {
            if (replica.Up)
            {
                if (faulty && _random.NextDouble() < _options.CrashRate) Crash(replica);
                else Feed(replica, Tick.Instance);
                if (replica.Core is { } running && _random.NextDouble() < _options.CompactRate) Compact(replica, running);
            }
            else if (_now >= replica.DownUntil || !faulty)
            {
                Log($"restart {replica.Name}");
                StartReplica(replica);
            }
        }
        if (faulty && _random.NextDouble() < _options.PartitionToggleRate)
        {
            _partitioned = !_partitioned;
            Log($"partitioned {_partitioned}");
        }
        if (faulty && _random.NextDouble() < _options.WitnessDownToggleRate) _witnessDown = !_witnessDown;
        if (!faulty)
        {
            _partitioned = false;
            _witnessDown = false;
        }
        At(10, Step);
    }

    private void Compact(SimReplica replica, ReplicaCore core)
    {
        var snapshot = core.CaptureSnapshot();
        replica.Journal.SaveSnapshot(snapshot);
        core.Compact(_random.Next(0, 4), snapshot.AppliedIndex);
    }

    // ---- invariants ----

    private void CheckAppliedAgreement()
    {
        foreach (var replica in _replicas.Values)
        {
            var core = replica.Core;
            if (core is null) continue;
            for (var i = replica.CheckedApplied + 1; i <= core.AppliedIndex; i++)
            {
                var input = core.LogEntry(i);
                if (input is null) continue;
                if (!_appliedByIndex.TryAdd(i, input))
                {
                    var first = _appliedByIndex[i];
                    if (first.SessionId != input.SessionId || first.RequestNo != input.RequestNo || first.Epoch != input.Epoch)
                        Violation($"replicas applied different inputs at index {i}");
                }
            }
            replica.CheckedApplied = core.AppliedIndex;
        }
    }

    private bool Converged()
    {
        if (_clients.Any(c => !c.Done)) return false;
        var a = _replicas[A].Core;
        var b = _replicas[B].Core;
        if (a is null || b is null) return false;
        var roles = new[] { a.Role, b.Role };
        var primary = a.Role == ReplicaRole.Primary ? a : b;
        // A secondary may keep a stale uncommitted tail until new entries overwrite it; that is harmless.
        return roles.Contains(ReplicaRole.Primary) && roles.Contains(ReplicaRole.Secondary) && !primary.Simplex &&
               a.AppliedIndex == b.AppliedIndex && primary.AppliedIndex == primary.LastIndex;
    }

    private void FinalChecks()
    {
        var a = _replicas[A].Core!;
        var b = _replicas[B].Core!;
        if (!a.HashValue.AsSpan().SequenceEqual(b.HashValue)) Violation("hash chains differ at the end");
        var executedA = ((RecordingGuest)a.Guest).Executed;
        var executedB = ((RecordingGuest)b.Guest).Executed;
        if (!executedA.SequenceEqual(executedB)) Violation("guests executed different sequences");
        var positions = new Dictionary<string, long>();
        for (var i = 0; i < executedA.Count; i++)
        {
            if (!positions.TryAdd(executedA[i], i + 1)) Violation($"{executedA[i]} executed twice");
        }
        foreach (var client in _clients)
        {
            for (var r = 1; r <= _options.RequestsPerClient; r++)
            {
                var command = $"c{client.Id}-r{r}";
                if (!positions.TryGetValue(command, out var position)) Violation($"{command} acknowledged but lost");
                else if (client.AckedCount.TryGetValue(r, out var told) && told != position)
                    Violation($"{command} was told execution #{told} but executed as #{position}");
            }
        }
    }

    private string Describe() =>
        string.Join("; ", _replicas.Values.Select(r => r.Core is { } c
            ? $"{r.Name}: {c.Role}{(c.Simplex ? " simplex" : "")}{(c.Fenced ? " fenced" : "")} e{c.Epoch} last {c.LastIndex} durable {c.DurableIndex} commit {c.CommitIndex} applied {c.AppliedIndex}"
            : $"{r.Name}: down")) + $"; clients done {_clients.Count(c => c.Done)}/{_clients.Count}; partitioned {_partitioned}; witness down {_witnessDown}";
}
