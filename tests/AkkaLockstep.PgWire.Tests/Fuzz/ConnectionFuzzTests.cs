using AkkaLockstep.PgWire.Protocol;
using AkkaLockstep.PgWire.Tests.Support;
using Xunit.Abstractions;

namespace AkkaLockstep.PgWire.Tests.Fuzz;

/// <summary>
/// Seeded fuzzing of the frame reader and of whole connections in memory. Replay a failure with the printed seed
/// in PGWIRE_FUZZ_SEED. A connection must never end in an internal error, its output must be well-formed backend
/// messages, a FATAL error can only be the last message, and an abnormal end is announced by one.
/// </summary>
public sealed class ConnectionFuzzTests(ITestOutputHelper output)
{
    const int ConnectionIterations = 100_000;
    const int FrameIterations = 100_000;
    const int MaxMessageLength = 4096;

    /// <summary>Fixed, not the core count, so a seed replays the same inputs on any machine.</summary>
    const int Workers = 2;

    static readonly PgConnectionEnd[] EndsAnnouncedByFatal =
        [PgConnectionEnd.ProtocolViolation, PgConnectionEnd.AuthenticationFailed, PgConnectionEnd.Rejected, PgConnectionEnd.InternalError];

    [Fact]
    public async Task Random_and_mutated_client_streams_only_ever_end_through_the_protocol_error_path()
    {
        var seed = Seed();
        var backend = new InMemoryBackend();
        var trust = InMemoryConnection.TrustGateway(backend, MaxMessageLength);
        var scram = new PgGateway(new PgGatewayOptions { Users = [new PgUser("u", "pw")], MaxMessageLength = MaxMessageLength }, backend);
        var corpus = FuzzInputs.TrustCorpus();
        var scramCorpus = FuzzInputs.ScramCorpus();

        var perWorker = await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(seed + worker);
            var ends = new Dictionary<PgConnectionEnd, int>();
            for (var i = 0; i < ConnectionIterations / Workers; i++)
            {
                var (gateway, input) = (i % 10) switch
                {
                    0 => (trust, FuzzInputs.RandomBytes(random)),
                    1 => (trust, [.. FuzzInputs.Connected().ToArray(), .. FuzzInputs.RandomBytes(random)]),
                    2 => (trust, FuzzInputs.RandomFrames(random)),
                    3 => (scram, FuzzInputs.Mutate(random, scramCorpus[random.Next(scramCorpus.Count)], scramCorpus)),
                    _ => (trust, FuzzInputs.Mutate(random, corpus[random.Next(corpus.Count)], corpus)),
                };
                var (end, written) = await InMemoryConnection.ServeAsync(gateway, input);
                ends[end] = ends.GetValueOrDefault(end) + 1;
                try
                {
                    CheckConversation(end, written);
                }
                catch (Exception e)
                {
                    throw new InvalidOperationException(
                        $"seed {seed}, worker {worker}, iteration {i}, ended {end}, input {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 300)))}: {e.Message}", e);
                }
            }

            return ends;
        })));

        var totals = perWorker.SelectMany(e => e).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
        output.WriteLine(string.Join(", ", totals.OrderBy(e => e.Key).Select(e => $"{e.Key}: {e.Value}")));
        Assert.Equal(ConnectionIterations, totals.Values.Sum());
        Assert.Equal(backend.OpenSessions, backend.DisposedSessions);
        Assert.True(totals.GetValueOrDefault(PgConnectionEnd.Terminated) > 0, "no fuzzed connection got as far as Terminate");
        Assert.True(totals.GetValueOrDefault(PgConnectionEnd.ProtocolViolation) > 0, "no fuzzed connection hit a protocol violation");
    }

    [Fact]
    public async Task The_frame_reader_only_throws_protocol_errors_or_end_of_stream()
    {
        var seed = Seed();
        var corpus = FuzzInputs.TrustCorpus();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(seed + worker);
            for (var i = 0; i < FrameIterations / Workers; i++)
            {
                var input = i % 2 == 0 ? FuzzInputs.RandomBytes(random) : FuzzInputs.Mutate(random, corpus[random.Next(corpus.Count)], corpus);
                try
                {
                    await ReadEverythingAsync(input);
                }
                catch (Exception e) when (e is PgProtocolException or EndOfStreamException)
                {
                    // The two documented outcomes of bad input.
                }
                catch (Exception e)
                {
                    throw new InvalidOperationException($"seed {seed}, worker {worker}, iteration {i}, input {Convert.ToHexString(input)}: {e}", e);
                }
            }
        })));
    }

    static async Task ReadEverythingAsync(byte[] input)
    {
        var reader = new PgFrameReader(new MemoryStream(input), MaxMessageLength);
        if (await reader.ReadStartupPacketAsync(CancellationToken.None) is not StartupMessagePacket)
            return;
        while (await reader.ReadFrameAsync(CancellationToken.None) is { } frame)
        {
            Assert.InRange(frame.Payload.Length, 0, MaxMessageLength);
            try
            {
                FrontendMessageParser.Parse(frame);
            }
            catch (PgProtocolException e) when (!e.Fatal)
            {
                // A malformed payload inside a well-formed frame: the connection answers ERROR and goes on.
            }
        }
    }

    int Seed()
    {
        var seed = Environment.GetEnvironmentVariable("PGWIRE_FUZZ_SEED") is { } text ? int.Parse(text) : Random.Shared.Next();
        output.WriteLine($"fuzz seed {seed} (replay with PGWIRE_FUZZ_SEED={seed})");
        return seed;
    }

    static void CheckConversation(PgConnectionEnd end, byte[] output)
    {
        Assert.NotEqual(PgConnectionEnd.InternalError, end);
        var messages = BackendReader.ParseAll(output);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.Type is 'E' or 'N')
            {
                var fields = message.Fields();
                Assert.All("SVCM", code => Assert.True(fields.ContainsKey(code), $"'{message.Type}' without field {code}"));
                Assert.Matches("^[0-9A-Z]{5}$", fields['C']);
                if (fields['S'] == "FATAL")
                    Assert.Equal(messages.Count - 1, i);
            }

            if (message.Type == 'Z')
                Assert.Contains((char)message.Payload.Single(), "ITE");
        }

        if (EndsAnnouncedByFatal.Contains(end))
        {
            Assert.Equal('E', messages[^1].Type);
            Assert.Equal("FATAL", messages[^1].Fields()['S']);
        }

        if (end == PgConnectionEnd.CancelRequest)
            Assert.All(messages, m => Assert.Equal(BackendMessage.EncryptionAnswer, m.Type));
    }
}
