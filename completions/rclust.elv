
use builtin;
use str;

set edit:completion:arg-completer[rclust] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'rclust'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'rclust'= {
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Create a cluster from empty nodes and wait until it has converged'
            cand check 'Check a cluster''s health (exit 1 when a problem is found)'
            cand nodes 'Show every node: role, master, slots, keys, epoch, link, flags'
            cand info 'Show keys, slots and replicas per master'
            cand reshard 'Move N slots (and their keys) to one master, from some or all of the others'
            cand rebalance 'Spread slots over the masters in proportion to their weights'
            cand fix 'Repair open slots, keys on the wrong master and uncovered slots'
            cand add-node 'Add an empty node to a cluster, as an empty master or as a replica'
            cand del-node 'Remove a node (reachable or dead) from a cluster'
            cand failover 'Promote a replica (or the best replica of a master) to master'
            cand call 'Run a command on every node (or only masters/replicas), concurrently'
            cand set-timeout 'Set cluster-node-timeout on every node and persist it'
            cand local 'Run a whole cluster of local nodes (bundled rclust-node, or redis-server)'
            cand generate 'Write shell completions and man pages generated from these definitions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rclust;create'= {
            cand --replicas 'Replicas per master'
            cand --timeout 'Give up waiting for convergence after this many seconds (exit 1)'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --dry-run 'Print the plan and change nothing'
            cand --keep-settings 'Do not lower cluster-node-timeout and repl-diskless-sync-delay while the cluster forms (convergence then takes at least min(node-timeout, 5 s))'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;check'= {
            cand --wait 'Keep checking until the cluster is healthy and every replica''s link is up, for at most this many seconds'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;nodes'= {
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;info'= {
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;reshard'= {
            cand --from 'Source masters (id, unique id prefix or host:port; comma-separated), or `all`'
            cand --to 'The master that receives the slots (id, unique id prefix or host:port)'
            cand --slots 'How many slots to move (exactly this many move)'
            cand --pipeline 'Keys per GETKEYSINSLOT/MIGRATE batch'
            cand --timeout 'MIGRATE timeout, in milliseconds; with atomic migration, the longest a server-side job may stay in one state before it is cancelled (it rolls back)'
            cand --wait 'Give up waiting for the cluster to converge afterwards after this many seconds (exit 1)'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --replace 'Overwrite keys that already exist on the target even when their values differ (identical ones are always replaced)'
            cand --key-by-key 'Move keys with GETKEYSINSLOT/MIGRATE even where every node involved can migrate slots atomically itself (Valkey >= 9.0 CLUSTER MIGRATESLOTS, Redis >= 8.4 CLUSTER MIGRATION), which rclust otherwise uses'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --dry-run 'Print the plan and change nothing'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;rebalance'= {
            cand --weight 'A master''s weight (default 1; 0 empties it), e.g. `--weight 127.0.0.1:7000=2`'
            cand --threshold 'Do nothing unless some master is off its share by more than this many percent'
            cand --pipeline 'Keys per GETKEYSINSLOT/MIGRATE batch'
            cand --timeout 'MIGRATE timeout, in milliseconds; with atomic migration, the longest a server-side job may stay in one state before it is cancelled (it rolls back)'
            cand --wait 'Give up waiting for the cluster to converge afterwards after this many seconds (exit 1)'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --use-empty-masters 'Give slots to masters that have none'
            cand --use-empty-primaries 'Give slots to masters that have none'
            cand --replace 'Overwrite keys that already exist on the target even when their values differ (identical ones are always replaced)'
            cand --key-by-key 'Move keys with GETKEYSINSLOT/MIGRATE even where every node involved can migrate slots atomically itself (Valkey >= 9.0 CLUSTER MIGRATESLOTS, Redis >= 8.4 CLUSTER MIGRATION), which rclust otherwise uses'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --dry-run 'Print the plan and change nothing'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;fix'= {
            cand --pipeline 'Keys per GETKEYSINSLOT/MIGRATE batch'
            cand --timeout 'MIGRATE timeout, in milliseconds; with atomic migration, the longest a server-side job may stay in one state before it is cancelled (it rolls back)'
            cand --wait 'Give up waiting for the cluster to converge afterwards after this many seconds (exit 1)'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --replace 'Overwrite keys that already exist on the target even when their values differ (identical ones are always replaced)'
            cand --key-by-key 'Move keys with GETKEYSINSLOT/MIGRATE even where every node involved can migrate slots atomically itself (Valkey >= 9.0 CLUSTER MIGRATESLOTS, Redis >= 8.4 CLUSTER MIGRATION), which rclust otherwise uses'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --dry-run 'Print the plan and change nothing'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;add-node'= {
            cand --master-id 'The master to replicate: id, unique id prefix, or host:port (implies --replica)'
            cand --primary-id 'The master to replicate: id, unique id prefix, or host:port (implies --replica)'
            cand --timeout 'Give up waiting for convergence after this many seconds (exit 1)'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --replica 'Join as a replica (of --master-id, or of the master with the fewest replicas)'
            cand --slave 'Join as a replica (of --master-id, or of the master with the fewest replicas)'
            cand --keep-settings 'Do not lower the new node''s cluster-node-timeout (or, for a replica, its master''s repl-diskless-sync-delay) while it joins'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --dry-run 'Print the plan and change nothing'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;del-node'= {
            cand --timeout 'Give up waiting for convergence after this many seconds (exit 1)'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --dry-run 'Print the plan and change nothing'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;failover'= {
            cand --seed 'Any node of the cluster, when NODE is an id'
            cand --timeout 'Give up waiting for convergence after this many seconds (exit 1)'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --force 'Do not wait for the master''s agreement (it is down or unreachable)'
            cand --takeover 'Take over without an election (the majority of masters is down)'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --dry-run 'Print the plan and change nothing'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;call'= {
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --masters 'Only masters'
            cand --primaries 'Only masters'
            cand --replicas 'Only replicas'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;set-timeout'= {
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --dry-run 'Print the plan and change nothing'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;local'= {
            cand --dir 'Where the nodes keep their data, logs and nodes.conf'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand up 'Start the nodes in the background and create the cluster'
            cand status 'Which nodes run, with pid and role (exit 1 if any is down)'
            cand stop 'Stop one node (port or 127.0.0.1:PORT), keeping its data'
            cand start 'Start a stopped node again; it rejoins from its nodes.conf'
            cand spawn 'Start a new empty node (next free port, or PORT) to add with `rclust add-node`'
            cand down 'Stop every node and remove the data'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rclust;local;up'= {
            cand --masters 'Masters'
            cand --replicas 'Replicas per master'
            cand --base-port 'Client port of the first node; the others follow; bus ports are +10000'
            cand --node-timeout 'cluster-node-timeout of the nodes, in milliseconds'
            cand --engine 'Which server to run'
            cand --timeout 'Give up waiting for convergence after this many seconds (exit 1)'
            cand --dir 'Where the nodes keep their data, logs and nodes.conf'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'rclust;local;status'= {
            cand --dir 'Where the nodes keep their data, logs and nodes.conf'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;local;stop'= {
            cand --dir 'Where the nodes keep their data, logs and nodes.conf'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;local;start'= {
            cand --dir 'Where the nodes keep their data, logs and nodes.conf'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;local;spawn'= {
            cand --port 'port'
            cand --dir 'Where the nodes keep their data, logs and nodes.conf'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;local;down'= {
            cand --dir 'Where the nodes keep their data, logs and nodes.conf'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --keep-data 'Keep the data directory'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;local;help'= {
            cand up 'Start the nodes in the background and create the cluster'
            cand status 'Which nodes run, with pid and role (exit 1 if any is down)'
            cand stop 'Stop one node (port or 127.0.0.1:PORT), keeping its data'
            cand start 'Start a stopped node again; it rejoins from its nodes.conf'
            cand spawn 'Start a new empty node (next free port, or PORT) to add with `rclust add-node`'
            cand down 'Stop every node and remove the data'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rclust;local;help;up'= {
        }
        &'rclust;local;help;status'= {
        }
        &'rclust;local;help;stop'= {
        }
        &'rclust;local;help;start'= {
        }
        &'rclust;local;help;spawn'= {
        }
        &'rclust;local;help;down'= {
        }
        &'rclust;local;help;help'= {
        }
        &'rclust;generate'= {
            cand --completions 'Directory for completions (bash, zsh, fish, elvish, powershell)'
            cand --man 'Directory for man pages'
            cand -a 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --pass 'Password for AUTH on every node (else REDISCLI_AUTH, else VALKEYCLI_AUTH)'
            cand --user 'ACL user name for AUTH (with --pass)'
            cand --cacert 'CA certificate bundle (PEM) to verify nodes with (implies --tls)'
            cand --cert 'Client certificate (PEM) for nodes that require one (implies --tls; needs --key)'
            cand --key 'Private key (PEM) of the client certificate'
            cand --connect-timeout 'Timeout for connecting to a node, in milliseconds'
            cand --json 'Print machine-readable JSON on stdout'
            cand --no-color 'Never use colour (also when NO_COLOR is set or stdout is not a terminal)'
            cand -q 'Print only errors and the essential result'
            cand --quiet 'Print only errors and the essential result'
            cand -v 'Print every command sent to a node and what a wait is still waiting for'
            cand --verbose 'Print every command sent to a node and what a wait is still waiting for'
            cand --tls 'Connect to nodes over TLS'
            cand --insecure 'Do not verify the nodes'' certificates (implies --tls)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rclust;help'= {
            cand create 'Create a cluster from empty nodes and wait until it has converged'
            cand check 'Check a cluster''s health (exit 1 when a problem is found)'
            cand nodes 'Show every node: role, master, slots, keys, epoch, link, flags'
            cand info 'Show keys, slots and replicas per master'
            cand reshard 'Move N slots (and their keys) to one master, from some or all of the others'
            cand rebalance 'Spread slots over the masters in proportion to their weights'
            cand fix 'Repair open slots, keys on the wrong master and uncovered slots'
            cand add-node 'Add an empty node to a cluster, as an empty master or as a replica'
            cand del-node 'Remove a node (reachable or dead) from a cluster'
            cand failover 'Promote a replica (or the best replica of a master) to master'
            cand call 'Run a command on every node (or only masters/replicas), concurrently'
            cand set-timeout 'Set cluster-node-timeout on every node and persist it'
            cand local 'Run a whole cluster of local nodes (bundled rclust-node, or redis-server)'
            cand generate 'Write shell completions and man pages generated from these definitions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rclust;help;create'= {
        }
        &'rclust;help;check'= {
        }
        &'rclust;help;nodes'= {
        }
        &'rclust;help;info'= {
        }
        &'rclust;help;reshard'= {
        }
        &'rclust;help;rebalance'= {
        }
        &'rclust;help;fix'= {
        }
        &'rclust;help;add-node'= {
        }
        &'rclust;help;del-node'= {
        }
        &'rclust;help;failover'= {
        }
        &'rclust;help;call'= {
        }
        &'rclust;help;set-timeout'= {
        }
        &'rclust;help;local'= {
            cand up 'Start the nodes in the background and create the cluster'
            cand status 'Which nodes run, with pid and role (exit 1 if any is down)'
            cand stop 'Stop one node (port or 127.0.0.1:PORT), keeping its data'
            cand start 'Start a stopped node again; it rejoins from its nodes.conf'
            cand spawn 'Start a new empty node (next free port, or PORT) to add with `rclust add-node`'
            cand down 'Stop every node and remove the data'
        }
        &'rclust;help;local;up'= {
        }
        &'rclust;help;local;status'= {
        }
        &'rclust;help;local;stop'= {
        }
        &'rclust;help;local;start'= {
        }
        &'rclust;help;local;spawn'= {
        }
        &'rclust;help;local;down'= {
        }
        &'rclust;help;generate'= {
        }
        &'rclust;help;help'= {
        }
    ]
    $completions[$command]
}
