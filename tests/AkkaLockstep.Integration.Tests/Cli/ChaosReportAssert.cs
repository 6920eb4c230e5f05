using System.Text.Json;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>What every clean one-cycle `chaos --json` report must say.</summary>
internal static class ChaosReportAssert
{
    public static void CleanSingleCycle(JsonElement report, string scenario)
    {
        Assert.Equal(scenario, report.GetProperty("scenario").GetString());
        Assert.Equal(1, report.GetProperty("cycles").GetInt32());
        Assert.True(report.GetProperty("acked").GetInt64() > 0);
        Assert.Equal(0, report.GetProperty("lost").GetInt64());
        Assert.Equal(0, report.GetProperty("duplicated").GetInt64());
        Assert.Equal(0, report.GetProperty("split_brain_events").GetInt32());
        Assert.True(report.GetProperty("linearizable").GetBoolean());
        Assert.True(report.GetProperty("replicas_identical").GetBoolean());
    }
}
