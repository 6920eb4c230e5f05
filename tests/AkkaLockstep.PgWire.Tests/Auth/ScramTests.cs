using System.Text;
using AkkaLockstep.PgWire.Auth;
using AkkaLockstep.PgWire.Tests.Support;

namespace AkkaLockstep.PgWire.Tests.Auth;

public sealed class ScramTests
{
    /// <summary>The SCRAM-SHA-256 example exchange of RFC 7677 section 3.</summary>
    [Fact]
    public void Reproduces_the_rfc7677_example()
    {
        var credential = ScramCredential.Derive("pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
        var exchange = new ScramServerExchange(credential, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

        var serverFirst = exchange.Start("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        var serverFinal = exchange.Finish(
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");

        Assert.Equal("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", serverFirst);
        Assert.Equal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", serverFinal);
    }

    [Fact]
    public void A_wrong_password_gives_no_server_final()
    {
        var exchange = new ScramServerExchange(ScramCredential.Derive("right", [1, 2, 3, 4], 4096), "servernonce");
        var client = new ScramClient("wrong", "clientnonce");

        var serverFirst = exchange.Start(client.ClientFirst);

        Assert.Null(exchange.Finish(client.ClientFinal(serverFirst)));
    }

    [Theory]
    [InlineData("n,,")]
    [InlineData("y,,")]
    public void Both_gs2_headers_without_channel_binding_are_accepted(string header)
    {
        var exchange = new ScramServerExchange(ScramCredential.Derive("pw", [9, 9, 9], 4096), "servernonce");
        var client = new ScramClient("pw", "clientnonce", header);

        var serverFinal = exchange.Finish(client.ClientFinal(exchange.Start(client.ClientFirst)));

        Assert.NotNull(serverFinal);
        Assert.True(client.VerifyServerFinal(serverFinal));
    }

    [Theory]
    [InlineData("p=tls-server-end-point,,n=,r=abc")]
    [InlineData("n,a=admin,n=,r=abc")]
    [InlineData("n,,r=abc")]
    [InlineData("n,,n=,r=")]
    [InlineData("n,,n=,r=abc,m=ext")]
    [InlineData("x")]
    public void Malformed_client_first_messages_are_rejected(string clientFirst)
    {
        var exchange = new ScramServerExchange(ScramCredential.Derive("pw", [1], 4096), "servernonce");

        Assert.Throws<ScramException>(() => exchange.Start(clientFirst));
    }

    [Fact]
    public void A_client_final_with_another_channel_binding_or_nonce_is_rejected()
    {
        var exchange = new ScramServerExchange(ScramCredential.Derive("pw", [1], 4096), "servernonce");
        var serverFirst = exchange.Start("n,,n=,r=abc");
        var proof = Convert.ToBase64String(new byte[32]);

        Assert.Throws<ScramException>(() => exchange.Finish($"c=eSws,r=abcservernonce,p={proof}"));
        Assert.Throws<ScramException>(() => exchange.Finish($"c=biws,r=abcother,p={proof}"));
        Assert.Throws<ScramException>(() => exchange.Finish("c=biws,r=abcservernonce"));
        Assert.NotNull(serverFirst);
    }

    [Fact]
    public async Task A_full_exchange_over_the_wire_authenticates_and_opens_the_session()
    {
        await using var connection = new PipeConnection(ScramGateway());

        var end = await AuthenticateAsync(connection, "alice", "pw-alice", expectSuccess: true);

        Assert.Null(end);
        var afterAuth = await connection.ReadUntilAsync('Z');
        Assert.Contains(afterAuth, m => m.Type == 'K');
    }

    [Theory]
    [InlineData("alice", "not-her-password")]
    [InlineData("mallory", "anything")]
    public async Task Wrong_passwords_and_unknown_users_fail_alike_with_28P01(string user, string password)
    {
        await using var connection = new PipeConnection(ScramGateway());

        var error = await AuthenticateAsync(connection, user, password, expectSuccess: false);

        Assert.Equal("28P01", error!.SqlState);
        Assert.Equal("FATAL", error.Fields()['S']);
        Assert.Equal($"password authentication failed for user \"{user}\"", error.Fields()['M']);
        Assert.Equal(PgConnectionEnd.AuthenticationFailed, await connection.Ended);
    }

    [Fact]
    public async Task Only_scram_sha_256_is_advertised_and_other_mechanisms_are_refused()
    {
        await using var connection = new PipeConnection(ScramGateway());
        await connection.SendAsync(new FrontendWriter().Startup(("user", "alice"), ("database", "db")));
        var request = await connection.ReadAsync();
        Assert.Equal(10, request.Int32At(0));
        Assert.Equal("SCRAM-SHA-256\0\0", Encoding.UTF8.GetString(request.Payload, 4, request.Payload.Length - 4));

        await connection.SendAsync(new FrontendWriter().SaslInitialResponse("SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,n=,r=x"));

        Assert.Equal("08P01", (await connection.ReadAsync()).SqlState);
        Assert.Equal(PgConnectionEnd.ProtocolViolation, await connection.Ended);
    }

    [Fact]
    public async Task Cleartext_password_mode_checks_the_password()
    {
        var gateway = new PgGateway(
            new PgGatewayOptions { AuthMethod = PgAuthMethod.CleartextPassword, Users = [new PgUser("alice", "pw-alice")] }, new InMemoryBackend());
        var good = await InMemoryConnection.RunAsync(
            gateway, new FrontendWriter().Startup(("user", "alice"), ("database", "db")).Password("pw-alice").Terminate().ToArray());
        var bad = await InMemoryConnection.RunAsync(
            gateway, new FrontendWriter().Startup(("user", "alice"), ("database", "db")).Password("guess").ToArray());

        Assert.Equal(PgConnectionEnd.Terminated, good.End);
        Assert.Equal(3, good.Messages[0].Int32At(0));
        Assert.Equal(0, good.Messages[1].Int32At(0));
        Assert.Equal(PgConnectionEnd.AuthenticationFailed, bad.End);
        Assert.Equal("28P01", bad.Messages[^1].SqlState);
    }

    [Fact]
    public async Task A_client_that_answers_the_password_request_with_a_query_is_a_protocol_violation()
    {
        var (end, messages) = await InMemoryConnection.RunAsync(
            ScramGateway(), new FrontendWriter().Startup(("user", "alice"), ("database", "db")).Query("select 1").ToArray());

        Assert.Equal(PgConnectionEnd.ProtocolViolation, end);
        Assert.Equal("08P01", messages[^1].SqlState);
    }

    static PgGateway ScramGateway() =>
        new(new PgGatewayOptions { Users = [new PgUser("alice", "pw-alice")] }, new InMemoryBackend());

    /// <summary>Runs the SASL exchange; returns null on success (after checking the server signature), else the ErrorResponse.</summary>
    static async Task<BackendMessage?> AuthenticateAsync(PipeConnection connection, string user, string password, bool expectSuccess)
    {
        await connection.SendAsync(new FrontendWriter().Startup(("user", user), ("database", "db")));
        Assert.Equal(10, (await connection.ReadAsync()).Int32At(0));
        var client = new ScramClient(password, "fyko+d2lbbFgONRv9qkxdawL");
        await connection.SendAsync(new FrontendWriter().SaslInitialResponse("SCRAM-SHA-256", client.ClientFirst));
        var challenge = await connection.ReadAsync();
        Assert.Equal(11, challenge.Int32At(0));
        var serverFirst = Encoding.UTF8.GetString(challenge.Payload, 4, challenge.Payload.Length - 4);
        Assert.StartsWith("r=fyko+d2lbbFgONRv9qkxdawL", serverFirst);
        await connection.SendAsync(new FrontendWriter().SaslResponse(client.ClientFinal(serverFirst)));

        var answer = await connection.ReadAsync();
        if (!expectSuccess)
            return answer;
        Assert.Equal(12, answer.Int32At(0));
        Assert.True(client.VerifyServerFinal(Encoding.UTF8.GetString(answer.Payload, 4, answer.Payload.Length - 4)));
        Assert.Equal(0, (await connection.ReadAsync()).Int32At(0));
        return null;
    }
}
