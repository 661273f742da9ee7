//! `forsyning demo`: a synthetic town in the store, then the API.

use anyhow::Context;
use forsyning_fixtures::{Town, TownConfig};
use forsyning_store::{Store, StoreLocation};

use crate::args::{DemoArgs, GenerateArgs};
use crate::progress;

pub async fn run(location: &StoreLocation, args: DemoArgs) -> anyhow::Result<()> {
    let store = crate::open(location, &forsyning_store::StoreRegion::denmark()).await?;
    let town = Town::new(TownConfig::new(args.seed, args.features));
    let extent = town.extent();
    println!(
        "Generating a town of {} features (seed {}), extent {:.0},{:.0} - {:.0},{:.0} (EPSG:25832)",
        args.features,
        args.seed,
        extent.min().x,
        extent.min().y,
        extent.max().x,
        extent.max().y
    );
    store_town(store.as_ref(), &town).await?;
    println!("Stored in {location}.");
    if let StoreLocation::Gpkg(path) = location {
        println!(
            "Open it in QGIS, or: ogrinfo -so {} network_features",
            path.display()
        );
    }
    if args.no_serve {
        return Ok(());
    }
    let token = demo_token(store.as_ref()).await?;
    let c = extent.center();
    println!("A token of the demo's admin organisation (DEMO-ADMIN), valid until revoked:");
    println!(
        "  curl -H 'Authorization: Bearer {token}' 'http://{}/api/v1/features?bbox={:.0},{:.0},{:.0},{:.0}'",
        args.serve.listen,
        c.x - 100.0,
        c.y - 100.0,
        c.x + 100.0,
        c.y + 100.0
    );
    println!(
        "  curl -H 'Authorization: Bearer {token}' http://{}/api/v1/datasets",
        args.serve.listen
    );
    let denmark = crate::region::RegionCtx::resolve("denmark")?;
    crate::serve::run(store, &args.serve, &denmark).await
}

/// Stores each owner's network as a new dataset version, and its interest areas.
pub async fn store_town(store: &dyn Store, town: &Town) -> anyhow::Result<()> {
    let pb = progress::bar(town.config().target_features as u64, "storing");
    for owner in town.owners() {
        let mut writer = store
            .begin_replace(&owner.org_id, &owner.dataset_name)
            .await?;
        let mut batch = Vec::with_capacity(10_000);
        for f in town.features().filter(|f| f.owner_id == owner.org_id) {
            batch.push(f);
            if batch.len() == 10_000 {
                pb.inc(batch.len() as u64);
                writer.write(std::mem::take(&mut batch)).await?;
            }
        }
        pb.inc(batch.len() as u64);
        writer.write(batch).await?;
        let v = writer
            .commit()
            .await
            .with_context(|| format!("storing {}", owner.org_id))?;
        pb.println(format!(
            "  {:<12} version {} with {} features",
            owner.org_id, v.version, v.feature_count
        ));
        let areas = town
            .interest_areas()
            .into_iter()
            .filter(|a| a.owner_id == owner.org_id)
            .collect();
        store.replace_interest_areas(&owner.org_id, areas).await?;
    }
    pb.finish_and_clear();
    Ok(())
}

/// `forsyning generate`: a town as GeoJSON in EPSG:25832, streamed to the file.
pub fn generate(args: &GenerateArgs) -> anyhow::Result<()> {
    let town = Town::new(TownConfig::new(args.seed, args.features));
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let out = std::io::BufWriter::with_capacity(1 << 20, file);
    let pb = progress::bar(args.features as u64, "writing");
    let owner = args.owner.as_deref();
    let features = town
        .features()
        .inspect(|_| pb.inc(1))
        .filter(|f| owner.is_none_or(|o| f.owner_id.as_str() == o));
    let written =
        forsyning_ingest::write_feature_collection(out, "urn:ogc:def:crs:EPSG::25832", features)?;
    pb.finish_and_clear();
    println!("wrote {written} features to {}", args.out.display());
    Ok(())
}

/// Creates the demo's admin organisation if needed and issues it a token.
async fn demo_token(store: &dyn Store) -> anyhow::Result<String> {
    let id = forsyning_model::OrgId::new("DEMO-ADMIN")?;
    if store.org(&id).await?.is_none() {
        store
            .create_org(&forsyning_model::Organisation {
                id: id.clone(),
                name: "Forsyning demo administrator".into(),
                role: forsyning_model::Role::Admin,
                boundary: None,
                created_at: chrono::Utc::now(),
            })
            .await?;
    }
    let secret = crate::access::new_token();
    store
        .insert_token(&forsyning_model::TokenRecord {
            id: uuid::Uuid::new_v4(),
            org_id: id,
            label: "demo".into(),
            hash: forsyning_model::token_hash(&secret),
            created_at: chrono::Utc::now(),
            revoked_at: None,
        })
        .await?;
    Ok(secret)
}
