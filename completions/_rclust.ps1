
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'rclust' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'rclust'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'rclust' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a cluster from empty nodes and wait until it has converged')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a cluster''s health (exit 1 when a problem is found)')
            [CompletionResult]::new('nodes', 'nodes', [CompletionResultType]::ParameterValue, 'Show every node: role, master, slots, keys, epoch, link, flags')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show keys, slots and replicas per master')
            [CompletionResult]::new('reshard', 'reshard', [CompletionResultType]::ParameterValue, 'Move N slots (and their keys) to one master, from some or all of the others')
            [CompletionResult]::new('rebalance', 'rebalance', [CompletionResultType]::ParameterValue, 'Spread slots over the masters in proportion to their weights')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'Repair open slots, keys on the wrong master and uncovered slots')
            [CompletionResult]::new('add-node', 'add-node', [CompletionResultType]::ParameterValue, 'Add an empty node to a cluster, as an empty master or as a replica')
            [CompletionResult]::new('del-node', 'del-node', [CompletionResultType]::ParameterValue, 'Remove a node (reachable or dead) from a cluster')
            [CompletionResult]::new('failover', 'failover', [CompletionResultType]::ParameterValue, 'Promote a replica (or the best replica of a master) to master')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Run a command on every node (or only masters/replicas), concurrently')
            [CompletionResult]::new('set-timeout', 'set-timeout', [CompletionResultType]::ParameterValue, 'Set cluster-node-timeout on every node and persist it')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Move every key of a standalone server into the cluster, each to its slot''s master')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Save one RDB per master (taken over replication) and a manifest into a directory')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Load a backup into a running cluster of any shape')
            [CompletionResult]::new('local', 'local', [CompletionResultType]::ParameterValue, 'Run a whole cluster of local nodes (bundled rclust-node, or redis-server)')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages generated from these definitions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rclust;create' {
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Replicas per master')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up waiting for convergence after this many seconds (exit 1)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--keep-settings', '--keep-settings', [CompletionResultType]::ParameterName, 'Do not lower cluster-node-timeout and repl-diskless-sync-delay while the cluster forms (convergence then takes at least min(node-timeout, 5 s))')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;check' {
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Keep checking until the cluster is healthy and every replica''s link is up, for at most this many seconds')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;nodes' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;info' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;reshard' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Source masters (id, unique id prefix or host:port; comma-separated), or `all`')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The master that receives the slots (id, unique id prefix or host:port)')
            [CompletionResult]::new('--slots', '--slots', [CompletionResultType]::ParameterName, 'How many slots to move (exactly this many move)')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'Keys per GETKEYSINSLOT/MIGRATE batch')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'MIGRATE timeout, in milliseconds; with atomic migration, the longest a server-side job may stay in one state before it is cancelled (it rolls back)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Give up waiting for the cluster to converge afterwards after this many seconds (exit 1)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Overwrite keys that already exist on the target even when their values differ (identical ones are always replaced)')
            [CompletionResult]::new('--key-by-key', '--key-by-key', [CompletionResultType]::ParameterName, 'Move keys with GETKEYSINSLOT/MIGRATE even where every node involved can migrate slots atomically itself (Valkey >= 9.0 CLUSTER MIGRATESLOTS, Redis >= 8.4 CLUSTER MIGRATION), which rclust otherwise uses')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;rebalance' {
            [CompletionResult]::new('--weight', '--weight', [CompletionResultType]::ParameterName, 'A master''s weight (default 1; 0 empties it), e.g. `--weight 127.0.0.1:7000=2`')
            [CompletionResult]::new('--threshold', '--threshold', [CompletionResultType]::ParameterName, 'Do nothing unless some master is off its share by more than this many percent')
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'Keys per GETKEYSINSLOT/MIGRATE batch')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'MIGRATE timeout, in milliseconds; with atomic migration, the longest a server-side job may stay in one state before it is cancelled (it rolls back)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Give up waiting for the cluster to converge afterwards after this many seconds (exit 1)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--use-empty-masters', '--use-empty-masters', [CompletionResultType]::ParameterName, 'Give slots to masters that have none')
            [CompletionResult]::new('--use-empty-primaries', '--use-empty-primaries', [CompletionResultType]::ParameterName, 'Give slots to masters that have none')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Overwrite keys that already exist on the target even when their values differ (identical ones are always replaced)')
            [CompletionResult]::new('--key-by-key', '--key-by-key', [CompletionResultType]::ParameterName, 'Move keys with GETKEYSINSLOT/MIGRATE even where every node involved can migrate slots atomically itself (Valkey >= 9.0 CLUSTER MIGRATESLOTS, Redis >= 8.4 CLUSTER MIGRATION), which rclust otherwise uses')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;fix' {
            [CompletionResult]::new('--pipeline', '--pipeline', [CompletionResultType]::ParameterName, 'Keys per GETKEYSINSLOT/MIGRATE batch')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'MIGRATE timeout, in milliseconds; with atomic migration, the longest a server-side job may stay in one state before it is cancelled (it rolls back)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Give up waiting for the cluster to converge afterwards after this many seconds (exit 1)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Overwrite keys that already exist on the target even when their values differ (identical ones are always replaced)')
            [CompletionResult]::new('--key-by-key', '--key-by-key', [CompletionResultType]::ParameterName, 'Move keys with GETKEYSINSLOT/MIGRATE even where every node involved can migrate slots atomically itself (Valkey >= 9.0 CLUSTER MIGRATESLOTS, Redis >= 8.4 CLUSTER MIGRATION), which rclust otherwise uses')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;add-node' {
            [CompletionResult]::new('--master-id', '--master-id', [CompletionResultType]::ParameterName, 'The master to replicate: id, unique id prefix, or host:port (implies --replica)')
            [CompletionResult]::new('--primary-id', '--primary-id', [CompletionResultType]::ParameterName, 'The master to replicate: id, unique id prefix, or host:port (implies --replica)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up waiting for convergence after this many seconds (exit 1)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--replica', '--replica', [CompletionResultType]::ParameterName, 'Join as a replica (of --master-id, or of the master with the fewest replicas)')
            [CompletionResult]::new('--slave', '--slave', [CompletionResultType]::ParameterName, 'Join as a replica (of --master-id, or of the master with the fewest replicas)')
            [CompletionResult]::new('--keep-settings', '--keep-settings', [CompletionResultType]::ParameterName, 'Do not lower the new node''s cluster-node-timeout (or, for a replica, its master''s repl-diskless-sync-delay) while it joins')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;del-node' {
            [CompletionResult]::new('--move-timeout', '--move-timeout', [CompletionResultType]::ParameterName, 'With --drain: MIGRATE timeout, in milliseconds; with atomic migration, the longest a server-side job may stay in one state before it is cancelled (it rolls back)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up waiting for convergence after this many seconds (exit 1)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--drain', '--drain', [CompletionResultType]::ParameterName, 'A master that still serves slots: move them to the other masters first (evenly), then remove it')
            [CompletionResult]::new('--key-by-key', '--key-by-key', [CompletionResultType]::ParameterName, 'Drain with GETKEYSINSLOT/MIGRATE even where the servers can migrate slots atomically')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;failover' {
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Any node of the cluster, when NODE is an id')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up waiting for convergence after this many seconds (exit 1)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Do not wait for the master''s agreement (it is down or unreachable)')
            [CompletionResult]::new('--takeover', '--takeover', [CompletionResultType]::ParameterName, 'Take over without an election (the majority of masters is down)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;call' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--masters', '--masters', [CompletionResultType]::ParameterName, 'Only masters')
            [CompletionResult]::new('--primaries', '--primaries', [CompletionResultType]::ParameterName, 'Only masters')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Only replicas')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;set-timeout' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;import' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The standalone (non-cluster) server to take the keys from (host:port; no TLS)')
            [CompletionResult]::new('--from-db', '--from-db', [CompletionResultType]::ParameterName, 'The source''s database')
            [CompletionResult]::new('--to-db', '--to-db', [CompletionResultType]::ParameterName, 'The cluster''s database to write into (Valkey 9 `cluster-databases`: every master must serve it)')
            [CompletionResult]::new('--from-user', '--from-user', [CompletionResultType]::ParameterName, 'ACL user name on the source (with --from-pass)')
            [CompletionResult]::new('--from-pass', '--from-pass', [CompletionResultType]::ParameterName, 'Password on the source')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--copy', '--copy', [CompletionResultType]::ParameterName, 'Keep the keys on the source (default: delete each key once the cluster has it)')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Overwrite keys that already exist in the cluster (default: leave them and exit 1)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Count the keys and show how they would spread; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;backup' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--from-replicas', '--from-replicas', [CompletionResultType]::ParameterName, 'Read each master''s RDB from an up-to-date replica, sparing the master')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;restore' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Overwrite keys that already exist in the cluster (default: leave them and exit 1)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Count the keys and show how they would spread; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;local' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Where the nodes keep their data, logs and nodes.conf')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start the nodes in the background and create the cluster')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Which nodes run, with pid and role (exit 1 if any is down)')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop one node (port or 127.0.0.1:PORT), keeping its data')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a stopped node again; it rejoins from its nodes.conf')
            [CompletionResult]::new('spawn', 'spawn', [CompletionResultType]::ParameterValue, 'Start a new empty node (next free port, or PORT) to add with `rclust add-node`')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop every node and remove the data')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rclust;local;up' {
            [CompletionResult]::new('--masters', '--masters', [CompletionResultType]::ParameterName, 'Masters')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Replicas per master')
            [CompletionResult]::new('--base-port', '--base-port', [CompletionResultType]::ParameterName, 'Client port of the first node; the others follow; bus ports are +10000')
            [CompletionResult]::new('--node-timeout', '--node-timeout', [CompletionResultType]::ParameterName, 'cluster-node-timeout of the nodes, in milliseconds')
            [CompletionResult]::new('--engine', '--engine', [CompletionResultType]::ParameterName, 'Which server to run')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up waiting for convergence after this many seconds (exit 1)')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Where the nodes keep their data, logs and nodes.conf')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'rclust;local;status' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Where the nodes keep their data, logs and nodes.conf')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;local;stop' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Where the nodes keep their data, logs and nodes.conf')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;local;start' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Where the nodes keep their data, logs and nodes.conf')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;local;spawn' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'port')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Where the nodes keep their data, logs and nodes.conf')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;local;down' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Where the nodes keep their data, logs and nodes.conf')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--keep-data', '--keep-data', [CompletionResultType]::ParameterName, 'Keep the data directory')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;local;help' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start the nodes in the background and create the cluster')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Which nodes run, with pid and role (exit 1 if any is down)')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop one node (port or 127.0.0.1:PORT), keeping its data')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a stopped node again; it rejoins from its nodes.conf')
            [CompletionResult]::new('spawn', 'spawn', [CompletionResultType]::ParameterValue, 'Start a new empty node (next free port, or PORT) to add with `rclust add-node`')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop every node and remove the data')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rclust;local;help;up' {
            break
        }
        'rclust;local;help;status' {
            break
        }
        'rclust;local;help;stop' {
            break
        }
        'rclust;local;help;start' {
            break
        }
        'rclust;local;help;spawn' {
            break
        }
        'rclust;local;help;down' {
            break
        }
        'rclust;local;help;help' {
            break
        }
        'rclust;generate' {
            [CompletionResult]::new('--completions', '--completions', [CompletionResultType]::ParameterName, 'Directory for completions (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('--man', '--man', [CompletionResultType]::ParameterName, 'Directory for man pages')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name for AUTH (with --pass)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate bundle (PEM) to verify nodes with (implies --tls)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of the client certificate')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout for connecting to a node, in milliseconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and the essential result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print every command sent to a node and what a wait is still waiting for')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Connect to nodes over TLS')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the nodes'' certificates (implies --tls)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rclust;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a cluster from empty nodes and wait until it has converged')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a cluster''s health (exit 1 when a problem is found)')
            [CompletionResult]::new('nodes', 'nodes', [CompletionResultType]::ParameterValue, 'Show every node: role, master, slots, keys, epoch, link, flags')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show keys, slots and replicas per master')
            [CompletionResult]::new('reshard', 'reshard', [CompletionResultType]::ParameterValue, 'Move N slots (and their keys) to one master, from some or all of the others')
            [CompletionResult]::new('rebalance', 'rebalance', [CompletionResultType]::ParameterValue, 'Spread slots over the masters in proportion to their weights')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'Repair open slots, keys on the wrong master and uncovered slots')
            [CompletionResult]::new('add-node', 'add-node', [CompletionResultType]::ParameterValue, 'Add an empty node to a cluster, as an empty master or as a replica')
            [CompletionResult]::new('del-node', 'del-node', [CompletionResultType]::ParameterValue, 'Remove a node (reachable or dead) from a cluster')
            [CompletionResult]::new('failover', 'failover', [CompletionResultType]::ParameterValue, 'Promote a replica (or the best replica of a master) to master')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Run a command on every node (or only masters/replicas), concurrently')
            [CompletionResult]::new('set-timeout', 'set-timeout', [CompletionResultType]::ParameterValue, 'Set cluster-node-timeout on every node and persist it')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Move every key of a standalone server into the cluster, each to its slot''s master')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Save one RDB per master (taken over replication) and a manifest into a directory')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Load a backup into a running cluster of any shape')
            [CompletionResult]::new('local', 'local', [CompletionResultType]::ParameterValue, 'Run a whole cluster of local nodes (bundled rclust-node, or redis-server)')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages generated from these definitions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rclust;help;create' {
            break
        }
        'rclust;help;check' {
            break
        }
        'rclust;help;nodes' {
            break
        }
        'rclust;help;info' {
            break
        }
        'rclust;help;reshard' {
            break
        }
        'rclust;help;rebalance' {
            break
        }
        'rclust;help;fix' {
            break
        }
        'rclust;help;add-node' {
            break
        }
        'rclust;help;del-node' {
            break
        }
        'rclust;help;failover' {
            break
        }
        'rclust;help;call' {
            break
        }
        'rclust;help;set-timeout' {
            break
        }
        'rclust;help;import' {
            break
        }
        'rclust;help;backup' {
            break
        }
        'rclust;help;restore' {
            break
        }
        'rclust;help;local' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start the nodes in the background and create the cluster')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Which nodes run, with pid and role (exit 1 if any is down)')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop one node (port or 127.0.0.1:PORT), keeping its data')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a stopped node again; it rejoins from its nodes.conf')
            [CompletionResult]::new('spawn', 'spawn', [CompletionResultType]::ParameterValue, 'Start a new empty node (next free port, or PORT) to add with `rclust add-node`')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop every node and remove the data')
            break
        }
        'rclust;help;local;up' {
            break
        }
        'rclust;help;local;status' {
            break
        }
        'rclust;help;local;stop' {
            break
        }
        'rclust;help;local;start' {
            break
        }
        'rclust;help;local;spawn' {
            break
        }
        'rclust;help;local;down' {
            break
        }
        'rclust;help;generate' {
            break
        }
        'rclust;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
