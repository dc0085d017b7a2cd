//! The schema history in `migrations/`, embedded in the binary and applied forward-only.

mod embedded {
    refinery::embed_migrations!("../../migrations");
}

/// Applies every pending migration to the database `config` names.
pub async fn run(config: &tokio_postgres::Config) -> anyhow::Result<usize> {
    let (mut client, connection) = config.connect(tokio_postgres::NoTls).await?;
    let connection = tokio::spawn(connection);
    let report = embedded::migrations::runner().run_async(&mut client).await?;
    drop(client);
    let _ = connection.await;
    Ok(report.applied_migrations().len())
}

/// The restricted role the API serves as (see V1): it neither owns the tables nor may dispose.
pub const API_ROLE: &str = "hemvist_api";

/// The connection the API serves with: logged in as `hemvist_api` when the server lets it in (the
/// private cluster trusts its socket); else the connecting role assuming `hemvist_api` with SET ROLE,
/// when it may (see V1). Never the connecting role itself: that is the tables' owner (or a role we
/// know nothing about), which may skip the guards the API role is held to.
pub async fn serving_config(config: &tokio_postgres::Config) -> anyhow::Result<tokio_postgres::Config> {
    serving_config_as(config, API_ROLE, false).await
}

/// As [`serving_config`] for the role `api_role`; with `allow_owner` (`HEMVIST_ALLOW_OWNER_ROLE=1`)
/// the server may serve as the connecting role when it cannot become `api_role`.
pub async fn serving_config_as(
    config: &tokio_postgres::Config,
    api_role: &str,
    allow_owner: bool,
) -> anyhow::Result<tokio_postgres::Config> {
    let mut as_api = config.clone();
    as_api.user(api_role).password("");
    if let Ok((client, connection)) = as_api.connect(tokio_postgres::NoTls).await {
        let connection = tokio::spawn(connection);
        drop(client);
        let _ = connection.await;
        return Ok(as_api);
    }
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    let connection = tokio::spawn(connection);
    // CASE, not AND: pg_has_role fails on a role that does not exist.
    let row = client
        .query_one(
            "SELECT current_user::text,
                    CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = $1)
                         THEN pg_has_role(current_user, $1, 'MEMBER') ELSE false END",
            &[&api_role],
        )
        .await?;
    let (connecting, usable): (String, bool) = (row.try_get(0)?, row.try_get(1)?);
    drop(client);
    let _ = connection.await;
    let mut serving = config.clone();
    if usable {
        serving.options(format!("-c role={api_role}"));
    } else if allow_owner {
        tracing::warn!(role = %connecting, "role {api_role} is not available: serving as the connecting role (HEMVIST_ALLOW_OWNER_ROLE)");
    } else {
        anyhow::bail!(
            "refusing to serve as the database role {connecting}: the role {api_role} does not exist or {connecting} \
             may not assume it, and serving as the tables' owner would let the API bypass the database's guards. \
             Create it as the owner (CREATE ROLE {api_role} LOGIN; GRANT {api_role} TO {connecting};) and run \
             `hemvist migrate` again, or set HEMVIST_ALLOW_OWNER_ROLE=1 to serve as {connecting} anyway"
        );
    }
    Ok(serving)
}
