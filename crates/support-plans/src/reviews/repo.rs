//! SQL for reviews: the open plans whose next review date has passed.

use hemvist_platform::db::GenericClient;
use hemvist_platform::pagination::PageRequest;
use hemvist_tenants::api::Scope;
use jiff::civil::Date;
use uuid::Uuid;

use crate::error::RepoError;
use crate::plans::model::StoredPlan;
use crate::plans::repo::{PLAN_COLUMNS, plan_from_row, visible_plan};

/// Open plans whose next review date has passed by `as_of`, a page at a time: longest overdue first,
/// after the key `(next_review_on, id)` of the last plan already seen.
pub(crate) async fn overdue_reviews(
    client: &impl GenericClient,
    scope: &Scope<'_>,
    as_of: Date,
    page: &PageRequest<(Date, Uuid)>,
) -> Result<Vec<StoredPlan>, RepoError> {
    let sql = format!(
        "SELECT {PLAN_COLUMNS} FROM support_plans sp
           JOIN support_plan_versions v ON v.municipality_code = sp.municipality_code AND v.plan_id = sp.id AND v.version = sp.current_version
          WHERE {} AND sp.closed_on IS NULL AND v.next_review_on < $3
            AND ($5::date IS NULL OR (v.next_review_on, sp.id) > ($5, $6))
          ORDER BY v.next_review_on, sp.id LIMIT $7",
        visible_plan(4)
    );
    let statement = client.prepare_cached(&sql).await?;
    let (after_date, after_id) = page.after.map_or((None, None), |(date, id)| (Some(date), Some(id)));
    let rows = client
        .query(
            &statement,
            &[
                &scope.municipality.as_str(),
                &scope.districts,
                &as_of,
                &scope.staff,
                &after_date,
                &after_id,
                &page.fetch_limit(),
            ],
        )
        .await?;
    rows.iter().map(plan_from_row).collect()
}
