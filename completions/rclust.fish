# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rclust_global_optspecs
    string join \n json no-color q/quiet v/verbose a/pass= user= tls cacert= cert= key= insecure connect-timeout= h/help V/version
end

function __fish_rclust_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rclust_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rclust_using_subcommand
    set -l cmd (__fish_rclust_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rclust -n "__fish_rclust_needs_command" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_needs_command" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_needs_command" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_needs_command" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_needs_command" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_needs_command" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_needs_command" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_needs_command" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_needs_command" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_needs_command" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_needs_command" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_needs_command" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rclust -n "__fish_rclust_needs_command" -s V -l version -d 'Print version'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "create" -d 'Create a cluster from empty nodes and wait until it has converged'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "check" -d 'Check a cluster\'s health (exit 1 when a problem is found)'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "nodes" -d 'Show every node: role, master, slots, keys, epoch, link, flags'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "info" -d 'Show keys, slots and replicas per master'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "reshard" -d 'Move N slots (and their keys) to one master, from some or all of the others'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "rebalance" -d 'Spread slots over the masters in proportion to their weights'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "fix" -d 'Repair open slots, keys on the wrong master and uncovered slots'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "add-node" -d 'Add an empty node to a cluster, as an empty master or as a replica'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "del-node" -d 'Remove a node (reachable or dead) from a cluster'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "failover" -d 'Promote a replica (or the best replica of a master) to master'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "call" -d 'Run a command on every node (or only masters/replicas), concurrently'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "set-timeout" -d 'Set cluster-node-timeout on every node and persist it'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "import" -d 'Move every key of a standalone server into the cluster, each to its slot\'s master'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "backup" -d 'Save one RDB per master (taken over replication) and a manifest into a directory'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "restore" -d 'Load a backup into a running cluster of any shape'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "local" -d 'Run a whole cluster of local nodes (bundled rclust-node, or redis-server)'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "generate" -d 'Write shell completions and man pages generated from these definitions'
complete -c rclust -n "__fish_rclust_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rclust -n "__fish_rclust_using_subcommand create" -l replicas -d 'Replicas per master' -r
complete -c rclust -n "__fish_rclust_using_subcommand create" -l timeout -d 'Give up waiting for convergence after this many seconds (exit 1)' -r
complete -c rclust -n "__fish_rclust_using_subcommand create" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand create" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand create" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand create" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand create" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand create" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand create" -s y -l yes -d 'Do not ask for confirmation'
complete -c rclust -n "__fish_rclust_using_subcommand create" -l dry-run -d 'Print the plan and change nothing'
complete -c rclust -n "__fish_rclust_using_subcommand create" -l keep-settings -d 'Do not lower cluster-node-timeout and repl-diskless-sync-delay while the cluster forms (convergence then takes at least min(node-timeout, 5 s))'
complete -c rclust -n "__fish_rclust_using_subcommand create" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand create" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand create" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand create" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand create" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand create" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand create" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand check" -l wait -d 'Keep checking until the cluster is healthy and every replica\'s link is up, for at most this many seconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand check" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand check" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand check" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand check" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand check" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand check" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand check" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand check" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand check" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand check" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand check" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand check" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand check" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand nodes" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand info" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand info" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand info" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand info" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand info" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand info" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand info" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand info" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand info" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand info" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand info" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand info" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand info" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l from -d 'Source masters (id, unique id prefix or host:port; comma-separated), or `all`' -r
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l to -d 'The master that receives the slots (id, unique id prefix or host:port)' -r
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l slots -d 'How many slots to move (exactly this many move)' -r
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l pipeline -d 'Keys per GETKEYSINSLOT/MIGRATE batch' -r
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l timeout -d 'MIGRATE timeout, in milliseconds; with atomic migration, the longest a server-side job may stay in one state before it is cancelled (it rolls back)' -r
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l wait -d 'Give up waiting for the cluster to converge afterwards after this many seconds (exit 1)' -r
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l replace -d 'Overwrite keys that already exist on the target even when their values differ (identical ones are always replaced)'
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l key-by-key -d 'Move keys with GETKEYSINSLOT/MIGRATE even where every node involved can migrate slots atomically itself (Valkey >= 9.0 CLUSTER MIGRATESLOTS, Redis >= 8.4 CLUSTER MIGRATION), which rclust otherwise uses'
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -s y -l yes -d 'Do not ask for confirmation'
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l dry-run -d 'Print the plan and change nothing'
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand reshard" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l weight -d 'A master\'s weight (default 1; 0 empties it), e.g. `--weight 127.0.0.1:7000=2`' -r
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l threshold -d 'Do nothing unless some master is off its share by more than this many percent' -r
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l pipeline -d 'Keys per GETKEYSINSLOT/MIGRATE batch' -r
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l timeout -d 'MIGRATE timeout, in milliseconds; with atomic migration, the longest a server-side job may stay in one state before it is cancelled (it rolls back)' -r
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l wait -d 'Give up waiting for the cluster to converge afterwards after this many seconds (exit 1)' -r
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l use-empty-masters -l use-empty-primaries -d 'Give slots to masters that have none'
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l replace -d 'Overwrite keys that already exist on the target even when their values differ (identical ones are always replaced)'
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l key-by-key -d 'Move keys with GETKEYSINSLOT/MIGRATE even where every node involved can migrate slots atomically itself (Valkey >= 9.0 CLUSTER MIGRATESLOTS, Redis >= 8.4 CLUSTER MIGRATION), which rclust otherwise uses'
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -s y -l yes -d 'Do not ask for confirmation'
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l dry-run -d 'Print the plan and change nothing'
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand rebalance" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l pipeline -d 'Keys per GETKEYSINSLOT/MIGRATE batch' -r
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l timeout -d 'MIGRATE timeout, in milliseconds; with atomic migration, the longest a server-side job may stay in one state before it is cancelled (it rolls back)' -r
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l wait -d 'Give up waiting for the cluster to converge afterwards after this many seconds (exit 1)' -r
complete -c rclust -n "__fish_rclust_using_subcommand fix" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l replace -d 'Overwrite keys that already exist on the target even when their values differ (identical ones are always replaced)'
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l key-by-key -d 'Move keys with GETKEYSINSLOT/MIGRATE even where every node involved can migrate slots atomically itself (Valkey >= 9.0 CLUSTER MIGRATESLOTS, Redis >= 8.4 CLUSTER MIGRATION), which rclust otherwise uses'
complete -c rclust -n "__fish_rclust_using_subcommand fix" -s y -l yes -d 'Do not ask for confirmation'
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l dry-run -d 'Print the plan and change nothing'
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand fix" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand fix" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand fix" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand fix" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l master-id -l primary-id -d 'The master to replicate: id, unique id prefix, or host:port (implies --replica)' -r
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l timeout -d 'Give up waiting for convergence after this many seconds (exit 1)' -r
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l replica -l slave -d 'Join as a replica (of --master-id, or of the master with the fewest replicas)'
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l keep-settings -d 'Do not lower the new node\'s cluster-node-timeout (or, for a replica, its master\'s repl-diskless-sync-delay) while it joins'
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -s y -l yes -d 'Do not ask for confirmation'
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l dry-run -d 'Print the plan and change nothing'
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand add-node" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l move-timeout -d 'With --drain: MIGRATE timeout, in milliseconds; with atomic migration, the longest a server-side job may stay in one state before it is cancelled (it rolls back)' -r
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l timeout -d 'Give up waiting for convergence after this many seconds (exit 1)' -r
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l drain -d 'A master that still serves slots: move them to the other masters first (evenly), then remove it'
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l key-by-key -d 'Drain with GETKEYSINSLOT/MIGRATE even where the servers can migrate slots atomically'
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -s y -l yes -d 'Do not ask for confirmation'
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l dry-run -d 'Print the plan and change nothing'
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand del-node" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l seed -d 'Any node of the cluster, when NODE is an id' -r
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l timeout -d 'Give up waiting for convergence after this many seconds (exit 1)' -r
complete -c rclust -n "__fish_rclust_using_subcommand failover" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l force -d 'Do not wait for the master\'s agreement (it is down or unreachable)'
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l takeover -d 'Take over without an election (the majority of masters is down)'
complete -c rclust -n "__fish_rclust_using_subcommand failover" -s y -l yes -d 'Do not ask for confirmation'
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l dry-run -d 'Print the plan and change nothing'
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand failover" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand failover" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand failover" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand failover" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand call" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand call" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand call" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand call" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand call" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand call" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand call" -l masters -l primaries -d 'Only masters'
complete -c rclust -n "__fish_rclust_using_subcommand call" -l replicas -d 'Only replicas'
complete -c rclust -n "__fish_rclust_using_subcommand call" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand call" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand call" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand call" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand call" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand call" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand call" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -s y -l yes -d 'Do not ask for confirmation'
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -l dry-run -d 'Print the plan and change nothing'
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand set-timeout" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand import" -l from -d 'The standalone (non-cluster) server to take the keys from (host:port; no TLS)' -r
complete -c rclust -n "__fish_rclust_using_subcommand import" -l from-db -d 'The source\'s database' -r
complete -c rclust -n "__fish_rclust_using_subcommand import" -l to-db -d 'The cluster\'s database to write into (Valkey 9 `cluster-databases`: every master must serve it)' -r
complete -c rclust -n "__fish_rclust_using_subcommand import" -l from-user -d 'ACL user name on the source (with --from-pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand import" -l from-pass -d 'Password on the source' -r
complete -c rclust -n "__fish_rclust_using_subcommand import" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand import" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand import" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand import" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand import" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand import" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand import" -l copy -d 'Keep the keys on the source (default: delete each key once the cluster has it)'
complete -c rclust -n "__fish_rclust_using_subcommand import" -l replace -d 'Overwrite keys that already exist in the cluster (default: leave them and exit 1)'
complete -c rclust -n "__fish_rclust_using_subcommand import" -l dry-run -d 'Count the keys and show how they would spread; change nothing'
complete -c rclust -n "__fish_rclust_using_subcommand import" -s y -l yes -d 'Do not ask for confirmation'
complete -c rclust -n "__fish_rclust_using_subcommand import" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand import" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand import" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand import" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand import" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand import" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand import" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand backup" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand backup" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand backup" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand backup" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand backup" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand backup" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand backup" -l from-replicas -d 'Read each master\'s RDB from an up-to-date replica, sparing the master'
complete -c rclust -n "__fish_rclust_using_subcommand backup" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand backup" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand backup" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand backup" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand backup" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand backup" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand backup" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand restore" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand restore" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand restore" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand restore" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand restore" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand restore" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand restore" -l replace -d 'Overwrite keys that already exist in the cluster (default: leave them and exit 1)'
complete -c rclust -n "__fish_rclust_using_subcommand restore" -l dry-run -d 'Count the keys and show how they would spread; change nothing'
complete -c rclust -n "__fish_rclust_using_subcommand restore" -s y -l yes -d 'Do not ask for confirmation'
complete -c rclust -n "__fish_rclust_using_subcommand restore" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand restore" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand restore" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand restore" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand restore" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand restore" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand restore" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -l dir -d 'Where the nodes keep their data, logs and nodes.conf' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -f -a "up" -d 'Start the nodes in the background and create the cluster'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -f -a "status" -d 'Which nodes run, with pid and role (exit 1 if any is down)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -f -a "stop" -d 'Stop one node (port or 127.0.0.1:PORT), keeping its data'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -f -a "start" -d 'Start a stopped node again; it rejoins from its nodes.conf'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -f -a "spawn" -d 'Start a new empty node (next free port, or PORT) to add with `rclust add-node`'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -f -a "down" -d 'Stop every node and remove the data'
complete -c rclust -n "__fish_rclust_using_subcommand local; and not __fish_seen_subcommand_from up status stop start spawn down help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l masters -d 'Masters' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l replicas -d 'Replicas per master' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l base-port -d 'Client port of the first node; the others follow; bus ports are +10000' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l node-timeout -d 'cluster-node-timeout of the nodes, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l engine -d 'Which server to run' -r -f -a "rclust-node\t'The bundled lightweight node'
redis-server\t'A real redis-server from PATH'"
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l timeout -d 'Give up waiting for convergence after this many seconds (exit 1)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l dir -d 'Where the nodes keep their data, logs and nodes.conf' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -l dir -d 'Where the nodes keep their data, logs and nodes.conf' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -l dir -d 'Where the nodes keep their data, logs and nodes.conf' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -l dir -d 'Where the nodes keep their data, logs and nodes.conf' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -l port -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -l dir -d 'Where the nodes keep their data, logs and nodes.conf' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from spawn" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -l dir -d 'Where the nodes keep their data, logs and nodes.conf' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -l keep-data -d 'Keep the data directory'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "up" -d 'Start the nodes in the background and create the cluster'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "status" -d 'Which nodes run, with pid and role (exit 1 if any is down)'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop one node (port or 127.0.0.1:PORT), keeping its data'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start a stopped node again; it rejoins from its nodes.conf'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "spawn" -d 'Start a new empty node (next free port, or PORT) to add with `rclust add-node`'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "down" -d 'Stop every node and remove the data'
complete -c rclust -n "__fish_rclust_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rclust -n "__fish_rclust_using_subcommand generate" -l completions -d 'Directory for completions (bash, zsh, fish, elvish, powershell)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand generate" -l man -d 'Directory for man pages' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand generate" -s a -l pass -d 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)' -r
complete -c rclust -n "__fish_rclust_using_subcommand generate" -l user -d 'ACL user name for AUTH (with --pass)' -r
complete -c rclust -n "__fish_rclust_using_subcommand generate" -l cacert -d 'CA certificate bundle (PEM) to verify nodes with (implies --tls)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand generate" -l cert -d 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand generate" -l key -d 'Private key (PEM) of the client certificate' -r -F
complete -c rclust -n "__fish_rclust_using_subcommand generate" -l connect-timeout -d 'Timeout for connecting to a node, in milliseconds' -r
complete -c rclust -n "__fish_rclust_using_subcommand generate" -l json -d 'Print machine-readable JSON on stdout'
complete -c rclust -n "__fish_rclust_using_subcommand generate" -l no-color -d 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
complete -c rclust -n "__fish_rclust_using_subcommand generate" -s q -l quiet -d 'Print only errors and the essential result'
complete -c rclust -n "__fish_rclust_using_subcommand generate" -s v -l verbose -d 'Print every command sent to a node and what a wait is still waiting for'
complete -c rclust -n "__fish_rclust_using_subcommand generate" -l tls -d 'Connect to nodes over TLS'
complete -c rclust -n "__fish_rclust_using_subcommand generate" -l insecure -d 'Do not verify the nodes\' certificates (implies --tls)'
complete -c rclust -n "__fish_rclust_using_subcommand generate" -s h -l help -d 'Print help'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "create" -d 'Create a cluster from empty nodes and wait until it has converged'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "check" -d 'Check a cluster\'s health (exit 1 when a problem is found)'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "nodes" -d 'Show every node: role, master, slots, keys, epoch, link, flags'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "info" -d 'Show keys, slots and replicas per master'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "reshard" -d 'Move N slots (and their keys) to one master, from some or all of the others'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "rebalance" -d 'Spread slots over the masters in proportion to their weights'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "fix" -d 'Repair open slots, keys on the wrong master and uncovered slots'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "add-node" -d 'Add an empty node to a cluster, as an empty master or as a replica'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "del-node" -d 'Remove a node (reachable or dead) from a cluster'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "failover" -d 'Promote a replica (or the best replica of a master) to master'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "call" -d 'Run a command on every node (or only masters/replicas), concurrently'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "set-timeout" -d 'Set cluster-node-timeout on every node and persist it'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "import" -d 'Move every key of a standalone server into the cluster, each to its slot\'s master'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "backup" -d 'Save one RDB per master (taken over replication) and a manifest into a directory'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "restore" -d 'Load a backup into a running cluster of any shape'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "local" -d 'Run a whole cluster of local nodes (bundled rclust-node, or redis-server)'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "generate" -d 'Write shell completions and man pages generated from these definitions'
complete -c rclust -n "__fish_rclust_using_subcommand help; and not __fish_seen_subcommand_from create check nodes info reshard rebalance fix add-node del-node failover call set-timeout import backup restore local generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rclust -n "__fish_rclust_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "up" -d 'Start the nodes in the background and create the cluster'
complete -c rclust -n "__fish_rclust_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "status" -d 'Which nodes run, with pid and role (exit 1 if any is down)'
complete -c rclust -n "__fish_rclust_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "stop" -d 'Stop one node (port or 127.0.0.1:PORT), keeping its data'
complete -c rclust -n "__fish_rclust_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "start" -d 'Start a stopped node again; it rejoins from its nodes.conf'
complete -c rclust -n "__fish_rclust_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "spawn" -d 'Start a new empty node (next free port, or PORT) to add with `rclust add-node`'
complete -c rclust -n "__fish_rclust_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "down" -d 'Stop every node and remove the data'
