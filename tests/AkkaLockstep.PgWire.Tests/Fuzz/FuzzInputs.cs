using AkkaLockstep.PgWire.Tests.Support;

namespace AkkaLockstep.PgWire.Tests.Fuzz;

/// <summary>Valid client transcripts to mutate, and the mutations: byte edits, splices, truncation, hostile length words.</summary>
internal static class FuzzInputs
{
    static readonly int[] InterestingInts = [0, 1, 3, 4, 5, 8, 16, -1, -2, int.MaxValue, int.MinValue, 4096, 4097, 80877102, 80877103, 80877104, 196608, 196610];

    public static List<byte[]> TrustCorpus() =>
    [
        Connected().Query("select 1; insert into t values (1); select 'x;y'").Query("").Terminate().ToArray(),
        Connected()
            .Parse("", "select $1, $2", PgTypeOid.Int4, PgTypeOid.Text)
            .Bind("", "", [1, 0], [FrontendWriter.Int32(7), "seven"u8.ToArray()], [1])
            .Describe('P', "")
            .Execute("", 2)
            .Execute("")
            .Sync()
            .Parse("named", "select 1")
            .Describe('S', "named")
            .BindText("p", "named")
            .Execute("p", 1)
            .Close('P', "p")
            .Close('S', "named")
            .Sync()
            .Terminate()
            .ToArray(),
        new FrontendWriter()
            .SslRequest()
            .GssEncRequest()
            .Startup(("user", "u"), ("database", "db"), ("application_name", "fuzz"), ("client_encoding", "UTF8"))
            .Query("begin; select fail; commit")
            .Query("SET x = 1; SHOW x; SHOW ALL; RESET ALL; DISCARD ALL; select version(); select current_setting('DateStyle')")
            .Terminate()
            .ToArray(),
        Connected()
            .Query("SELECT ns.nspname, t.oid, t.typname, t.typtype, t.typnotnull, t.elemtypoid FROM pg_type; SELECT typ.oid, enumlabel FROM pg_enum")
            .Parse("", "select 1; select 2")
            .Sync()
            .Terminate()
            .ToArray(),
        Connected()
            .Parse("", "select $1, $2, $3, $4", PgTypeOid.Numeric, PgTypeOid.Timestamp, PgTypeOid.Uuid, PgTypeOid.Bytea)
            .Bind("", "", [1], [[0, 1, 0, 0, 0, 0, 0, 2, 0, 12], FrontendWriter.Int64(1000), new byte[16], [1, 2]], [0])
            .Execute("")
            .Query("begin").Parse("", "select fail").BindText("", "").Execute("").Sync().Query("rollback")
            .Terminate()
            .ToArray(),
        new FrontendWriter().CancelRequest(1, 2).ToArray(),
        new FrontendWriter().StartupVersion(3, 2, ("user", "u"), ("database", "db"), ("_pq_.x", "1")).Flush().Sync().ToArray(),
    ];

    public static List<byte[]> ScramCorpus() =>
    [
        new FrontendWriter()
            .Startup(("user", "u"), ("database", "db"))
            .SaslInitialResponse("SCRAM-SHA-256", "n,,n=,r=clientnonce")
            .SaslResponse("c=biws,r=clientnonceXXXX,p=" + Convert.ToBase64String(new byte[32]))
            .ToArray(),
        new FrontendWriter()
            .Startup(("user", "nobody"), ("database", "db"))
            .SaslInitialResponse("SCRAM-SHA-256", "y,,n=nobody,r=abc,ext=1")
            .SaslResponse("c=eSws,r=abc,p=AAAA")
            .ToArray(),
    ];

    public static FrontendWriter Connected() => InMemoryConnection.Connected();

    public static byte[] RandomBytes(Random random) => RandomBytes(random, random.Next(0, 200));

    public static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Well-framed messages of random (mostly valid) types with random payloads.</summary>
    public static byte[] RandomFrames(Random random)
    {
        const string Types = "QPBDECSHXpdcfF@";
        var writer = Connected();
        for (var i = random.Next(1, 8); i > 0; i--)
            writer.Typed(Types[random.Next(Types.Length)], RandomBytes(random, random.Next(0, 40)));
        return writer.ToArray();
    }

    public static byte[] Mutate(Random random, byte[] original, List<byte[]> corpus)
    {
        var bytes = new List<byte>(original);
        for (var edits = random.Next(1, 5); edits > 0; edits--)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.InsertRange(at, RandomBytes(random, random.Next(1, 16)));
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 16), bytes.Count - at));
                    break;
                case 4 when bytes.Count > 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 5:
                    var donor = corpus[random.Next(corpus.Count)];
                    var start = random.Next(donor.Length);
                    bytes.InsertRange(at, donor.Skip(start).Take(random.Next(1, 64)));
                    break;
                default:
                    var word = FrontendWriter.Int32(InterestingInts[random.Next(InterestingInts.Length)]);
                    for (var i = 0; i < 4 && at + i < bytes.Count; i++)
                        bytes[at + i] = word[i];
                    break;
            }
        }

        return bytes.ToArray();
    }
}
