using System.CommandLine;
using AkkaLockstep.Cli.Http;
using AkkaLockstep.Cli.Output;
using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Cli.Commands;

/// <summary>`lockstep vm list|show|protect|unprotect|force-simplex`: manage protected VMs through a command endpoint.</summary>
internal static class VmCommands
{
    /// <summary>Digests and hash chains are long; the first characters are enough to compare replicas by eye.</summary>
    private const int ShortHash = 12;

    public static Command Create(CliEnvironment environment)
    {
        var vm = new Command("vm", "Manage protected VMs.");
        vm.Subcommands.Add(List(environment));
        vm.Subcommands.Add(Show(environment));
        vm.Subcommands.Add(Protect(environment));
        vm.Subcommands.Add(Unprotect(environment));
        vm.Subcommands.Add(ForceSimplexCommand.Create(environment));
        vm.Subcommands.Add(VerifyCommand.Create(environment));
        return vm;
    }

    private static Command List(CliEnvironment environment)
    {
        var command = new Command("list", "List the protected VMs.");
        var (endpoint, json) = AddEndpointOptions(command);
        command.SetHandler(environment, async (parse, context, ct) =>
        {
            using var client = EndpointOptions.Connect(parse.GetValue(endpoint), context);
            var reply = await client.GetAsync<List<VmInfo>>("vms", ct);
            if (parse.GetValue(json)) await context.Output.WriteLineAsync(reply.Raw);
            else if (reply.Value.Count == 0) await context.Output.WriteLineAsync($"no protected VMs (add one: lockstep vm protect NAME --kind {string.Join("|", VmKinds.Known)})");
            else
            {
                var table = new Table("NAME", "KIND", "STATE", "PRIMARY", "EPOCH", "HOSTS");
                foreach (var v in reply.Value.OrderBy(v => v.Name, StringComparer.Ordinal))
                    table.Add(v.Name, v.Kind, v.State, v.Primary ?? "-", v.Epoch.ToString(), string.Join(",", v.Hosts));
                table.WriteTo(context.Output);
            }
            return 0;
        });
        return command;
    }

    private static Command Show(CliEnvironment environment)
    {
        var command = new Command("show", "Show one VM and the state of each of its replicas.");
        var name = NameArgument();
        command.Arguments.Add(name);
        var watch = new Option<bool>("--watch")
        {
            Description = "Keep showing the VM's state once a second, with a progress bar while a replica resyncs, until it is duplex",
        };
        command.Options.Add(watch);
        var (endpoint, json) = AddEndpointOptions(command);
        command.SetHandler(environment, async (parse, context, ct) =>
        {
            using var client = EndpointOptions.Connect(parse.GetValue(endpoint), context);
            var path = $"vms/{CommandEndpointClient.Segment(parse.GetValue(name)!)}";
            if (parse.GetValue(watch)) return await WatchAsync(client, path, parse.GetValue(json), context.Output, ct);
            var reply = await client.GetAsync<VmInfo>(path, ct);
            if (parse.GetValue(json)) await context.Output.WriteLineAsync(reply.Raw);
            else WriteVm(reply.Value, context.Output);
            return 0;
        });
        return command;
    }

    /// <summary>A line (or a JSON object) per second until the VM is duplex; Ctrl-C stops it earlier.</summary>
    private static async Task<int> WatchAsync(CommandEndpointClient client, string path, bool json, TextWriter output, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var reply = await client.GetAsync<VmInfo>(path, ct);
                await output.WriteLineAsync(json ? reply.Raw : ResyncText.WatchLine(reply.Value));
                if (reply.Value.State == "duplex") return 0;
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return 130;
        }
    }

    private static Command Protect(CliEnvironment environment)
    {
        var command = new Command("protect", "Create a VM and protect it with a replica pair.");
        var name = NameArgument();
        var kind = new Option<string>("--kind")
        {
            Description = $"Guest kind: {string.Join(", ", VmKinds.Known)}",
            Required = true,
        };
        kind.CompletionSources.Add(VmKinds.Known);
        kind.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && !VmKinds.Known.Contains(value))
                result.AddError($"--kind '{value}' is not a known VM kind; known kinds: {string.Join(", ", VmKinds.Known)}");
        });
        var hosts = new Option<string?>("--hosts")
        {
            Description = "The two hosts to hold the replicas, comma-separated (default: chosen by the cluster)",
            HelpName = "A,B",
        };
        hosts.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && ParseHosts(value) is not { Count: 2 })
                result.AddError($"--hosts '{value}' must name two different hosts, e.g. --hosts h1,h2");
        });
        command.Arguments.Add(name);
        command.Options.Add(kind);
        command.Options.Add(hosts);
        var (endpoint, json) = AddEndpointOptions(command);
        command.SetHandler(environment, async (parse, context, ct) =>
        {
            using var client = EndpointOptions.Connect(parse.GetValue(endpoint), context);
            var request = new ProtectRequest(parse.GetValue(name)!, parse.GetValue(kind)!,
                parse.GetValue(hosts) is { } h ? ParseHosts(h) : null);
            var reply = await client.PostAsync<VmInfo>("vms", request, ct);
            if (parse.GetValue(json)) await context.Output.WriteLineAsync(reply.Raw);
            else
            {
                var v = reply.Value;
                await context.Output.WriteLineAsync(
                    $"protected {v.Name} ({v.Kind}) on {string.Join(", ", v.Hosts)}: {v.State}, primary {v.Primary ?? "-"}, epoch {v.Epoch}");
            }
            return 0;
        });
        return command;
    }

    private static Command Unprotect(CliEnvironment environment)
    {
        var command = new Command("unprotect", "Remove a VM and its replicas.");
        var name = NameArgument();
        command.Arguments.Add(name);
        var endpoint = EndpointOptions.Endpoint();
        command.Options.Add(endpoint);
        command.SetHandler(environment, async (parse, context, ct) =>
        {
            using var client = EndpointOptions.Connect(parse.GetValue(endpoint), context);
            var vmName = parse.GetValue(name)!;
            await client.DeleteAsync($"vms/{CommandEndpointClient.Segment(vmName)}", ct);
            await context.Output.WriteLineAsync($"unprotected {vmName}");
            return 0;
        });
        return command;
    }

    internal static Argument<string> NameArgument() => new("NAME") { Description = "VM name" };

    internal static (Option<string?> Endpoint, Option<bool> Json) AddEndpointOptions(Command command)
    {
        var endpoint = EndpointOptions.Endpoint();
        var json = EndpointOptions.Json();
        command.Options.Add(endpoint);
        command.Options.Add(json);
        return (endpoint, json);
    }

    private static IReadOnlyList<string> ParseHosts(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal).ToList();

    private static void WriteVm(VmInfo v, TextWriter output)
    {
        output.WriteLine($"name:    {v.Name}");
        output.WriteLine($"kind:    {v.Kind}");
        output.WriteLine($"state:   {v.State}");
        output.WriteLine($"primary: {v.Primary ?? "(none)"}");
        output.WriteLine($"epoch:   {v.Epoch}");
        output.WriteLine($"hosts:   {string.Join(", ", v.Hosts)}");
        output.WriteLine();
        var table = new Table("HOST", "ROLE", "STATE", "EPOCH", "LAST", "COMMIT", "APPLIED", "HASH", "DIGEST");
        foreach (var r in v.Replicas.OrderBy(r => r.Host, StringComparer.Ordinal))
            table.Add(r.Host, r.Role, r.State, r.Epoch.ToString(), r.LastIndex.ToString(), r.CommitIndex.ToString(),
                r.AppliedIndex.ToString(), Short(r.HashChain), Short(r.Digest));
        table.WriteTo(output);
        foreach (var r in v.Replicas.Where(r => r.Resync is not null))
            output.WriteLine($"\nresync from {r.Host}: {ResyncText.Bar(r.Resync!.Percent)} {ResyncText.Describe(r.Resync)}");
    }

    private static string Short(string hash) => hash.Length > ShortHash ? hash[..ShortHash] : hash;
}
