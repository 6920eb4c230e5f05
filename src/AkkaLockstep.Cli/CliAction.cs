using System.CommandLine;
using AkkaLockstep.Host.Configuration;

namespace AkkaLockstep.Cli;

/// <summary>Gives every command the same error handling: known failures become "error: ..." on stderr and an exit code.</summary>
internal static class CliAction
{
    public const int Interrupted = 130;

    public static void SetHandler(this Command command, CliEnvironment environment,
        Func<ParseResult, CliContext, CancellationToken, Task<int>> handler)
    {
        command.SetAction(async (parseResult, ct) =>
        {
            var invocation = parseResult.InvocationConfiguration;
            var context = new CliContext(environment, invocation.Output, invocation.Error);
            try
            {
                return await handler(parseResult, context, ct);
            }
            catch (CliException e)
            {
                await context.Error.WriteLineAsync($"error: {e.Message}");
                return e.ExitCode;
            }
            catch (Host.HostRefusedException e)
            {
                await context.Error.WriteLineAsync($"error: {e.Message}");
                return 1;
            }
            catch (HostOptionsException e)
            {
                await context.Error.WriteLineAsync($"error: {e.Message}");
                return 1;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await context.Error.WriteLineAsync("interrupted");
                return Interrupted;
            }
        });
    }
}
