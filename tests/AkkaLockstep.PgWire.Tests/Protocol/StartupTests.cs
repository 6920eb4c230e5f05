using AkkaLockstep.PgWire.Tests.Support;
using static AkkaLockstep.PgWire.Tests.Support.InMemoryConnection;

namespace AkkaLockstep.PgWire.Tests.Protocol;

public sealed class StartupTests
{
    [Fact]
    public async Task Trusted_startup_reports_parameters_key_data_and_ready_for_query()
    {
        var (end, messages) = await RunAsync(new FrontendWriter()
            .Startup(("user", "u"), ("database", "db"), ("application_name", "tests"))
            .Terminate());

        Assert.Equal(PgConnectionEnd.Terminated, end);
        Assert.Equal('R', messages[0].Type);
        Assert.Equal(0, messages[0].Int32At(0));
        var parameters = messages.Where(m => m.Type == 'S').ToDictionary(m => m.Text, m => ValueAfterName(m));
        Assert.Equal("15.0 (AkkaLockstep)", parameters["server_version"]);
        Assert.Equal("UTF8", parameters["server_encoding"]);
        Assert.Equal("UTF8", parameters["client_encoding"]);
        Assert.Equal("ISO, MDY", parameters["DateStyle"]);
        Assert.Equal("on", parameters["integer_datetimes"]);
        Assert.Equal("on", parameters["standard_conforming_strings"]);
        Assert.Equal("UTC", parameters["TimeZone"]);
        Assert.Equal("tests", parameters["application_name"]);
        var key = Assert.Single(messages, m => m.Type == 'K');
        Assert.NotEqual(0, key.Int32At(0));
        Assert.Equal("Z(I)", messages[^1].ToString());
    }

    [Fact]
    public async Task Ssl_and_gss_requests_are_refused_with_N_and_startup_continues()
    {
        var (end, messages) = await RunAsync(new FrontendWriter()
            .SslRequest()
            .GssEncRequest()
            .Startup(("user", "u"), ("database", "db"))
            .Terminate());

        Assert.Equal(PgConnectionEnd.Terminated, end);
        Assert.Equal(BackendMessage.EncryptionAnswer, messages[0].Type);
        Assert.Equal(BackendMessage.EncryptionAnswer, messages[1].Type);
        Assert.Equal('R', messages[2].Type);
        Assert.Equal('Z', messages[^1].Type);
    }

    [Fact]
    public async Task A_repeated_ssl_request_is_a_protocol_violation()
    {
        var (end, messages) = await RunAsync(new FrontendWriter().SslRequest().SslRequest());

        Assert.Equal(PgConnectionEnd.ProtocolViolation, end);
        AssertFatal(messages[^1], "08P01");
    }

    [Fact]
    public async Task A_newer_minor_version_and_protocol_options_are_negotiated_down_to_3_0()
    {
        var (end, messages) = await RunAsync(new FrontendWriter()
            .StartupVersion(3, 2, ("user", "u"), ("database", "db"), ("_pq_.some_extension", "on"))
            .Terminate());

        Assert.Equal(PgConnectionEnd.Terminated, end);
        var negotiate = messages[0];
        Assert.Equal('v', negotiate.Type);
        Assert.Equal(3 << 16, negotiate.Int32At(0));
        Assert.Equal(1, negotiate.Int32At(4));
        Assert.Contains("_pq_.some_extension", System.Text.Encoding.UTF8.GetString(negotiate.Payload));
        Assert.Equal('Z', messages[^1].Type);
    }

    [Theory]
    [InlineData(2, 0, "0A000")]
    [InlineData(4, 0, "0A000")]
    public async Task Other_major_versions_are_refused(int major, int minor, string sqlState)
    {
        var (end, messages) = await RunAsync(new FrontendWriter().StartupVersion(major, minor, ("user", "u")));

        Assert.Equal(PgConnectionEnd.ProtocolViolation, end);
        AssertFatal(Assert.Single(messages), sqlState);
    }

    [Fact]
    public async Task A_startup_without_user_is_rejected()
    {
        var (end, messages) = await RunAsync(new FrontendWriter().Startup(("database", "db")));

        Assert.Equal(PgConnectionEnd.Rejected, end);
        AssertFatal(Assert.Single(messages), "28000");
    }

    [Fact]
    public async Task An_unknown_database_is_rejected_with_3D000_after_authentication()
    {
        var (end, messages) = await RunAsync(new FrontendWriter().Startup(("user", "u"), ("database", "nope")));

        Assert.Equal(PgConnectionEnd.Rejected, end);
        Assert.Equal('R', messages[0].Type);
        AssertFatal(messages[^1], "3D000");
        Assert.Contains("\"nope\"", messages[^1].Fields()['M']);
    }

    [Fact]
    public async Task A_client_encoding_other_than_utf8_is_rejected()
    {
        var (end, messages) = await RunAsync(new FrontendWriter().Startup(("user", "u"), ("database", "db"), ("client_encoding", "LATIN1")));

        Assert.Equal(PgConnectionEnd.Rejected, end);
        AssertFatal(messages[^1], "22023");
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 4 })]
    [InlineData(new byte[] { 0x7F, 0, 0, 0, 0, 3, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 9, 0, 3, 0, 0, (byte)'u' })]
    public async Task Malformed_startup_packets_end_with_a_protocol_violation(byte[] packet)
    {
        var (end, messages) = await RunAsync(TrustGateway(), packet);

        Assert.Equal(PgConnectionEnd.ProtocolViolation, end);
        AssertFatal(Assert.Single(messages), "08P01");
    }

    [Fact]
    public async Task A_cancel_request_with_unknown_keys_is_answered_with_nothing()
    {
        var (end, messages) = await RunAsync(new FrontendWriter().CancelRequest(12345, 678));

        Assert.Equal(PgConnectionEnd.CancelRequest, end);
        Assert.Empty(messages);
    }

    [Fact]
    public async Task A_client_that_hangs_up_after_startup_is_a_disconnect_and_its_session_is_disposed()
    {
        var backend = new InMemoryBackend();
        var (end, _) = await RunAsync(TrustGateway(backend), Connected().ToArray());

        Assert.Equal(PgConnectionEnd.Disconnected, end);
        Assert.Equal(1, backend.OpenSessions);
        Assert.Equal(1, backend.DisposedSessions);
    }

    [Fact]
    public async Task Terminate_disposes_the_session()
    {
        var backend = new InMemoryBackend();
        var (end, _) = await RunAsync(TrustGateway(backend), Connected().Terminate().ToArray());

        Assert.Equal(PgConnectionEnd.Terminated, end);
        Assert.Equal(1, backend.DisposedSessions);
    }

    [Fact]
    public async Task A_client_that_stalls_during_authentication_is_dropped_after_the_timeout()
    {
        var gateway = new PgGateway(
            new PgGatewayOptions { Users = [new PgUser("u", "pw")], AuthenticationTimeout = TimeSpan.FromMilliseconds(200) }, new InMemoryBackend());
        await using var connection = new PipeConnection(gateway);
        await connection.SendAsync(new FrontendWriter().Startup(("user", "u"), ("database", "db")));

        Assert.Equal(10, (await connection.ReadAsync()).Int32At(0));
        Assert.Equal(PgConnectionEnd.TimedOut, await connection.Ended.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    internal static void AssertFatal(BackendMessage message, string sqlState)
    {
        Assert.Equal('E', message.Type);
        var fields = message.Fields();
        Assert.Equal("FATAL", fields['S']);
        Assert.Equal("FATAL", fields['V']);
        Assert.Equal(sqlState, fields['C']);
        Assert.False(string.IsNullOrEmpty(fields['M']));
    }

    static string ValueAfterName(BackendMessage message)
    {
        var nameEnd = Array.IndexOf(message.Payload, (byte)0);
        return System.Text.Encoding.UTF8.GetString(message.Payload, nameEnd + 1, message.Payload.Length - nameEnd - 2);
    }
}
