//! Applies a fix plan. Every phase is one pipeline per node over all the slots it touches:
//! 1. unclaimed slots are given to their owner (and every master is told), so the cluster
//!    serves them and MIGRATE works again (a node refuses it while slots are uncovered);
//! 2. every master holding keys of a slot it should not have opens it towards the owner
//!    (MIGRATING if it claims the slot, else IMPORTING, which also permits MIGRATE), and
//!    an owner that does not claim the slot yet imports it;
//! 3. their keys are drained into the owner with the migrate engine, in waves where no
//!    node both sends and receives (MIGRATE would deadlock two nodes sending to each other);
//! 4. every other open state is closed and every other master is told the owner, then the
//!    owner takes the slot (SETSLOT NODE itself, which ends its import and bumps its
//!    epoch), and each owner bumps its config epoch so its claim wins over stale ones (the
//!    caller then waits until no two masters share an epoch).

use std::collections::BTreeMap;

use anyhow::Context;

use crate::admin::plan::fix::{FixPlan, KeyCounts};
use crate::admin::snapshot::{Fleet, Snapshot};
use crate::model::cluster_cmd::SetSlot;

use super::migrate::{Endpoint, Migrator};

/// Counts keys in the given slots on each master, in every database it serves (Valkey 9
/// `cluster-databases`; one pipeline per node and database, in chunks).
pub async fn count_keys(
    fleet: &Fleet,
    snap: &Snapshot,
    which: &BTreeMap<String, crate::model::SlotSet>,
) -> anyhow::Result<KeyCounts> {
    let results = futures::future::join_all(which.iter().map(|(id, slots)| async move {
        let ep = Endpoint::of(snap, id)?;
        let mut conn = fleet.conn(&ep.addr).await?;
        let config = conn
            .pipe_values(
                redis::pipe()
                    .cmd("CONFIG")
                    .arg("GET")
                    .arg("cluster-databases"),
            )
            .await?;
        let dbs =
            super::migrate::databases_from_config(config.first().unwrap_or(&redis::Value::Nil));
        let all: Vec<u16> = slots.iter().collect();
        let mut per_slot: BTreeMap<u16, u64> = BTreeMap::new();
        for db in dbs {
            let mut conn = if db == 0 {
                conn.clone()
            } else {
                crate::admin::conn::NodeConn::connect_db(&ep.addr, &fleet.opts, db).await?
            };
            for chunk in all.chunks(4096) {
                let mut pipe = redis::pipe();
                for s in chunk {
                    pipe.cmd("CLUSTER").arg("COUNTKEYSINSLOT").arg(*s);
                }
                let counts: Vec<u64> = conn.pipe(&pipe).await?;
                for (s, n) in chunk.iter().zip(counts) {
                    if n > 0 {
                        *per_slot.entry(*s).or_default() += n;
                    }
                }
            }
        }
        anyhow::Ok(
            per_slot
                .into_iter()
                .map(|(s, n)| ((id.clone(), s), n))
                .collect::<Vec<_>>(),
        )
    }))
    .await;
    let mut counts = KeyCounts::new();
    for r in results {
        counts.extend(r?);
    }
    Ok(counts)
}

pub async fn apply(m: &Migrator<'_>, snap: &Snapshot, plan: &FixPlan) -> anyhow::Result<()> {
    let ep = |id: &str| Endpoint::of(snap, id);
    let mut cmds: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let run = |cmds: BTreeMap<String, Vec<Vec<String>>>| async move {
        let results = futures::future::join_all(cmds.into_iter().map(|(id, list)| async move {
            let node = ep(&id)?;
            m.setslots(&node, &list, |_| false).await
        }))
        .await;
        results.into_iter().collect::<anyhow::Result<Vec<()>>>()
    };

    // 1. Unclaimed slots get an owner first.
    let mut claimed = crate::model::SlotSet::new();
    for master in snap.masters() {
        claimed.union_with(&master.slots);
    }
    for f in plan.fixes.iter().filter(|f| !claimed.contains(f.slot)) {
        for master in &m.masters {
            cmds.entry(master.id.clone())
                .or_default()
                .push(SetSlot::Node(f.owner.clone()).args(f.slot));
        }
    }
    run(std::mem::take(&mut cmds))
        .await
        .context("giving uncovered slots an owner")?;

    // 2. Open the slots whose keys must move.
    for f in &plan.fixes {
        for (holder, _) in &f.holders {
            let line = snap.line(holder).expect("planned from this snapshot");
            let already_open = line
                .migrating
                .iter()
                .chain(&line.importing)
                .any(|o| o.slot == f.slot);
            if line.slots.contains(f.slot) {
                cmds.entry(holder.clone())
                    .or_default()
                    .push(SetSlot::Migrating(f.owner.clone()).args(f.slot));
            } else if !already_open {
                cmds.entry(holder.clone())
                    .or_default()
                    .push(SetSlot::Importing(f.owner.clone()).args(f.slot));
            }
        }
    }
    run(std::mem::take(&mut cmds))
        .await
        .context("opening slots to move stray keys")?;

    // 3. Drain, every (holder, owner) pair at once.
    let mut pairs: BTreeMap<(String, String), Vec<u16>> = BTreeMap::new();
    for f in &plan.fixes {
        for (holder, _) in &f.holders {
            pairs
                .entry((holder.clone(), f.owner.clone()))
                .or_default()
                .push(f.slot);
        }
    }
    // In waves: two nodes draining into each other at once would deadlock in MIGRATE.
    for wave in super::migrate::waves(pairs.keys().cloned().collect()) {
        let drains = futures::future::join_all(wave.iter().map(|(h, o)| {
            let slots = &pairs[&(h.clone(), o.clone())];
            async move {
                let (src, dst) = (ep(h)?, ep(o)?);
                for chunk in slots.chunks(m.opts.slots_per_batch.max(1)) {
                    m.drain(&src, &dst, chunk).await?;
                }
                anyhow::Ok(())
            }
        }))
        .await;
        drains
            .into_iter()
            .collect::<anyhow::Result<Vec<()>>>()
            .context("moving stray keys to their owners")?;
    }

    // 4. Everyone else lets go (closes and names the owner) before the owner takes each
    //    slot. The other way round, a former claimant that shares a config epoch with an
    //    owner (both just bumped) may, resolving the collision, take a higher epoch while
    //    it still claims the slot: the owner then loses the slot and deletes its keys.
    //    Meanwhile the owner keeps its claim, or is protected by its own IMPORTING state.
    for f in &plan.fixes {
        // Holders were opened in phase 2 (or were open already): close them too.
        for id in f.close.iter().chain(f.holders.iter().map(|h| &h.0)) {
            cmds.entry(id.clone())
                .or_default()
                .push(SetSlot::Stable.args(f.slot));
        }
        for master in m.masters.iter().filter(|x| x.id != f.owner) {
            cmds.entry(master.id.clone())
                .or_default()
                .push(SetSlot::Node(f.owner.clone()).args(f.slot));
        }
    }
    run(std::mem::take(&mut cmds))
        .await
        .context("telling every master the new owners")?;
    for f in &plan.fixes {
        let list = cmds.entry(f.owner.clone()).or_default();
        let owner_line = snap.line(&f.owner).expect("planned from this snapshot");
        if owner_line.migrating.iter().any(|o| o.slot == f.slot) {
            list.push(SetSlot::Stable.args(f.slot));
        }
        list.push(SetSlot::Node(f.owner.clone()).args(f.slot));
    }
    run(std::mem::take(&mut cmds))
        .await
        .context("giving slots to their owners")?;
    let mut owners: Vec<&str> = plan.fixes.iter().map(|f| f.owner.as_str()).collect();
    owners.sort();
    owners.dedup();
    for id in owners {
        let node = ep(id)?;
        let mut conn = m.fleet.conn(&node.addr).await?;
        conn.cmd::<redis::Value>(&["CLUSTER", "BUMPEPOCH"]).await?;
    }
    Ok(())
}
