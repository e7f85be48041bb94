-- The floor: mart_arpu_monthly (docs/metrics.md sections 1-7) computed in
-- one hand-written DuckDB script, straight from the billing files, with the
-- contract's validation (docs/billing_contract.md, "Bad input"). It is the
-- benchmark's lower bound for `arpu build`; it is not a dbt model and is
-- never run by dbt. It must give exactly the values of mart_arpu_monthly's
-- columns month, paying_accounts, paying_users, mrr, arpa, arpu,
-- new_accounts, gross_mrr and total_revenue (same types, same decimals).
--
-- Placeholders, replaced with Python str.replace before running (not
-- str.format: the regular expressions below contain braces too):
--   {data_dir}     absolute folder of the contract files, no trailing slash
--   {ext}          csv or parquet (the file extension, and the reader:
--                  read_csv / read_parquet)
--   {csv_options}  for csv exactly
--                    , header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', max_line_size = 1000000000
--                  for parquet the empty string
-- so that every table is read as `read_{ext}('{data_dir}/<table>.{ext}'{csv_options})`.
--
-- Scope and assumptions:
-- - Reads accounts, users, invoice_line_items, refunds and fx_rates: the
--   five files each of these columns depends on. plans, subscriptions and
--   acquisition_spend are not read: no rejection there reaches these
--   columns (a line's plan only picks the segment tier; subscriptions and
--   spend feed other marts).
-- - Every file exists and has every contract column under its own name
--   (as scripts/generate_billing.py writes them). The dbt loader also
--   accepts headers in other case or with spaces, a missing nullable
--   column and a missing optional table; the floor does not.
-- - Every value is read as text and cast strictly, as staging does
--   (macros/contract/strict_casts.sql): trimmed of space, tab, CR and LF, empty =
--   NULL; a value casts only in the contract's exact form.
-- - As-of date: the latest invoice date rule (no as_of_date var);
--   reporting currency USD.

------------------------------------------------------------------------
-- Strict casts (macros/contract/strict_casts.sql), as macros.
------------------------------------------------------------------------

-- The contract trims space, tab, CR and LF; an empty value is NULL. Trimming
-- a set of characters is slow, so only values that start or end with a
-- character at or below a space take that path (the others have nothing to
-- trim; an empty string takes it too and becomes NULL).
create or replace temp macro clean(x) as
    nullif(
        case
            when cast(x as varchar)[1] <= ' ' or cast(x as varchar)[-1] <= ' '
                then trim(cast(x as varchar), chr(32) || chr(9) || chr(10) || chr(13))
            else cast(x as varchar)
        end,
        ''
    );

-- A date casts only as YYYY-MM-DD, a real calendar date of year 1 or later:
-- DuckDB's try_cast checks month and day (leap years included) but reads
-- year 0000 as 1 BC, so that year is ruled out by hand.
create or replace temp macro strict_date(x) as
    case
        when regexp_full_match(x, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
            and substr(x, 1, 4) <> '0000'
            then try_cast(x as date)
    end;

-- A timestamp: a date alone, or a date, space or T, HH:MM:SS and optional
-- fractional seconds, hour below 24. Only castability matters here.
create or replace temp macro is_timestamp_text(x) as
    coalesce(
        regexp_full_match(
            x, '[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-2][0-9]:[0-5][0-9]:[0-5][0-9]([.][0-9]+)?)?')
        and substr(x, 1, 4) <> '0000'
        and try_cast(substr(x, 1, 10) as date) is not null
        -- Two digits: comparing the text compares the number.
        and (length(x) = 10 or substr(x, 12, 2) < '24'),
        false
    );

-- Money and rates: optional minus, at most 22 integer digits, no exponent;
-- with 22 integer digits at most 6 places (rounding must not carry).
create or replace temp macro is_decimal_text(x) as
    regexp_full_match(x, '-?([0-9]{1,21}([.][0-9]+)?|[0-9]{22}([.][0-9]{1,6})?)');

create or replace temp macro strict_money(x) as
    case when is_decimal_text(x) then cast(x as decimal(28, 6)) end;

create or replace temp macro is_integer_text(x) as
    regexp_full_match(x, '-?[0-9]{1,18}');

create or replace temp macro is_boolean_text(x) as
    lower(x) in ('true', 'false');

------------------------------------------------------------------------
-- Accepted accounts (int_accounts_checked): required id and created_at,
-- castable columns, a unique id. Lines and users of any other account are
-- rejected (unknown_account_id).
------------------------------------------------------------------------
create or replace temp table accepted_accounts as
with staged as (
    select
        clean(account_id) as account_id,
        clean(created_at) as created_at_raw,
        clean(employee_count) as employee_count_raw,
        clean(is_test) as is_test_raw
    from read_{ext}('{data_dir}/accounts.{ext}'{csv_options})
),
keyed as (
    -- Every copy of a duplicated id is rejected, whatever else it breaks.
    select *, count(*) over (partition by account_id) as rows_with_key
    from staged
)
select
    account_id,
    -- NULL = false; a value that is not true/false is rejected below.
    coalesce(lower(is_test_raw) = 'true', false) as is_test
from keyed
where
    account_id is not null
    and rows_with_key = 1
    and created_at_raw is not null
    and is_timestamp_text(created_at_raw)
    and (employee_count_raw is null or is_integer_text(employee_count_raw))
    and (is_test_raw is null or is_boolean_text(is_test_raw));

------------------------------------------------------------------------
-- Accepted FX rates (int_fx_rates_checked). Rows for the reporting
-- currency are ignored unchecked: its rate is always 1.
------------------------------------------------------------------------
create or replace temp table accepted_fx_rates as
with staged as (
    select
        upper(clean(currency)) as currency,
        clean(rate_date) as rate_date_raw,
        strict_date(clean(rate_date)) as rate_date,
        clean(rate_to_reporting) as rate_raw
    from read_{ext}('{data_dir}/fx_rates.{ext}'{csv_options})
),
foreign_rates as (
    select
        *,
        -- Read wide (26 integer digits) so that a huge rate is judged out
        -- of range before it meets the rate type's 16 integer digits.
        case
            when is_decimal_text(rate_raw) then cast(rate_raw as decimal(38, 12))
        end as rate_read
    from staged
    where currency is null or currency <> 'USD'
),
keyed as (
    -- The key is (currency, rate_date); every copy of a duplicate goes.
    select *, count(*) over (partition by currency, rate_date) as rows_with_key
    from foreign_rates
)
select
    currency,
    rate_date,
    cast(rate_read as decimal(28, 12)) as rate_to_reporting
from keyed
where
    currency is not null
    and rate_date is not null          -- null_rate_date, invalid_rate_date
    and rate_read is not null          -- null_ / invalid_rate_to_reporting
    and rate_read > 0                  -- non_positive_rate
    and rate_read < 1000000            -- rate_out_of_range
    and rows_with_key = 1;             -- duplicate_rate

------------------------------------------------------------------------
-- Accepted invoice lines (stg_billing__invoice_line_items and
-- int_invoice_line_items_checked), with their account's test flag and
-- their FX rate. Only the columns the monthly numbers need are kept.
------------------------------------------------------------------------
create or replace temp table accepted_lines as
with staged as (
    select
        clean(line_item_id) as line_item_id,
        clean(invoice_id) as invoice_id,
        clean(account_id) as account_id,
        lower(clean(charge_type)) as charge_type,
        upper(clean(currency)) as currency,
        lower(clean(invoice_status)) as invoice_status,
        clean(amount) as amount_raw,
        clean(discount_amount) as discount_amount_raw,
        clean(quantity) as quantity_raw,
        clean(is_committed) as is_committed_raw,
        clean(period_start) as period_start_raw,
        clean(period_end) as period_end_raw,
        clean(invoice_date) as invoice_date_raw,
        clean(updated_at) as updated_at_raw
    from read_{ext}('{data_dir}/invoice_line_items.{ext}'{csv_options})
),
typed as (
    select
        *,
        strict_money(amount_raw) as amount,
        strict_money(discount_amount_raw) as discount_amount_read,
        strict_date(period_start_raw) as period_start,
        strict_date(period_end_raw) as period_end,
        strict_date(invoice_date_raw) as invoice_date,
        -- metrics.md section 1: committed usage is recurring revenue.
        coalesce(
            charge_type = 'recurring'
            or (charge_type = 'usage' and lower(is_committed_raw) = 'true'),
            false
        ) as is_recurring
    from staged
),
-- Every rule a line can break on its own (stg_billing__invoice_line_items),
-- as one flag. Materialized, so that each cast runs once per row rather
-- than once per rule that names it.
judged as materialized (
    select
        line_item_id,
        account_id,
        charge_type,
        currency,
        invoice_status,
        is_recurring,
        amount,
        coalesce(discount_amount_read, 0) as discount_amount,
        period_start,
        period_end,
        invoice_date,
        coalesce(
            -- Required columns.
            line_item_id is not null
            and invoice_id is not null
            and account_id is not null
            and charge_type is not null
            and currency is not null
            and invoice_status is not null
            -- Casts: required ones present and readable, optional ones
            -- readable.
            and amount is not null
            and (discount_amount_raw is null or discount_amount_read is not null)
            and (quantity_raw is null or is_integer_text(quantity_raw))
            and (is_committed_raw is null or is_boolean_text(is_committed_raw))
            and (period_start_raw is null or period_start is not null)
            and (period_end_raw is null or period_end is not null)
            and invoice_date is not null
            and (updated_at_raw is null or is_timestamp_text(updated_at_raw))
            -- Row rules.
            and charge_type in ('recurring', 'usage', 'one_time', 'tax')
            and invoice_status in ('paid', 'open', 'void', 'uncollectible')
            and (period_start_raw is null) = (period_end_raw is null)
            and not coalesce(period_end <= period_start, false)
            and not (is_recurring and period_start_raw is null)
            and not coalesce(discount_amount_read < 0, false)
            and abs(amount) < 10000000000000
            and not coalesce(abs(discount_amount_read) >= 10000000000000, false),
            false
        ) as passes_row_rules
    from typed
),
-- duplicate_line_item_id: every row of the key counts, rejected or not.
duplicate_keys as (
    select line_item_id
    from judged
    where line_item_id is not null
    group by line_item_id
    having count(*) > 1
),
-- The latest accepted rate of a currency on or before an invoice date
-- (int_fx_rates_by_invoice_date), looked up once per currency and date
-- rather than once per line; the reporting currency is always 1.
line_rates as (
    select
        dates.currency,
        dates.invoice_date,
        case
            when dates.currency = 'USD' then cast(1 as decimal(28, 12))
            else fx.rate_to_reporting
        end as rate_to_reporting
    from (
        select distinct currency, invoice_date
        from judged
        where passes_row_rules
    ) as dates
    asof left join accepted_fx_rates as fx
        on dates.currency = fx.currency
        and dates.invoice_date >= fx.rate_date
)
select
    line.line_item_id,
    line.account_id,
    accounts.is_test as is_test_account,
    line.charge_type,
    line.invoice_status,
    line.is_recurring,
    line.amount,
    line.discount_amount,
    rates.rate_to_reporting,
    line.period_start,
    line.period_end,
    line.invoice_date
from judged as line
-- unknown_account_id.
inner join accepted_accounts as accounts
    on line.account_id = accounts.account_id
-- no_fx_rate.
inner join line_rates as rates
    on line.currency = rates.currency
    and line.invoice_date = rates.invoice_date
    and rates.rate_to_reporting is not null
where
    line.passes_row_rules
    and line.line_item_id not in (select line_item_id from duplicate_keys);

------------------------------------------------------------------------
-- Accepted refunds per line (int_refunds_checked). A refund of a rejected
-- or unknown line is rejected too; here the join to accepted lines later
-- drops those, so only the refund's own rules are checked.
------------------------------------------------------------------------
create or replace temp table refunds_per_line as
with staged as (
    select
        clean(refund_id) as refund_id,
        clean(line_item_id) as line_item_id,
        clean(amount) as amount_raw,
        clean(refunded_at) as refunded_at_raw
    from read_{ext}('{data_dir}/refunds.{ext}'{csv_options})
),
typed as (
    select *, strict_money(amount_raw) as amount
    from staged
),
keyed as (
    select
        *,
        count(*) over (partition by refund_id) as rows_with_key,
        -- Over every refund row of the line whose amount reads and is in
        -- range, accepted or not (refund_total_out_of_range).
        sum(
            case when not abs(amount) >= 10000000000000 then abs(amount) end
        ) over (partition by line_item_id) as line_refunds_total
    from typed
)
select
    line_item_id,
    sum(amount) as refunded_amount
from keyed
where
    refund_id is not null
    and line_item_id is not null
    and amount is not null                      -- null_ / invalid_amount
    and refunded_at_raw is not null
    and is_timestamp_text(refunded_at_raw)
    and amount > 0                              -- non_positive_amount
    and abs(amount) < 10000000000000            -- amount_out_of_range
    and rows_with_key = 1                       -- duplicate_refund_id
    and not coalesce(line_refunds_total >= 10000000000000, false)
group by line_item_id;

------------------------------------------------------------------------
-- Accepted users (int_users_checked), as the dates that decide whether
-- they are active. Users of a rejected account never meet a paying
-- account below, which is their unknown_account_id rule.
------------------------------------------------------------------------
create or replace temp table accepted_users as
with staged as (
    select
        clean(user_id) as user_id,
        clean(account_id) as account_id,
        clean(created_at) as created_at_raw,
        clean(deactivated_at) as deactivated_at_raw
    from read_{ext}('{data_dir}/users.{ext}'{csv_options})
),
keyed as (
    select *, count(*) over (partition by user_id) as rows_with_key
    from staged
)
select
    account_id,
    -- The date of a timestamp is its first 10 characters.
    cast(substr(created_at_raw, 1, 10) as date) as created_date,
    cast(substr(deactivated_at_raw, 1, 10) as date) as deactivated_date
from keyed
where
    user_id is not null
    and rows_with_key = 1
    and account_id is not null
    and created_at_raw is not null
    and is_timestamp_text(created_at_raw)
    and (deactivated_at_raw is null or is_timestamp_text(deactivated_at_raw));

------------------------------------------------------------------------
-- As-of date (int_as_of_date): the latest invoice date of an accepted paid
-- or open line of a real account.
------------------------------------------------------------------------
create or replace temp table as_of as
select
    max(invoice_date) as as_of_date,
    cast(date_trunc('month', max(invoice_date)) as date) as as_of_month
from accepted_lines
where not is_test_account and invoice_status in ('paid', 'open');

------------------------------------------------------------------------
-- The lines that count (section 1), in the reporting currency, with their
-- monthly amounts (section 2). Types as in int_invoice_line_items_converted
-- and _normalized, so that every rounding is the same.
------------------------------------------------------------------------
create or replace temp table counted_lines as
with counted as (
    select
        lines.*,
        -- Every refund restates its line, whatever its date.
        coalesce(refunds.refunded_amount, 0) as refunded_amount,
        (year(period_end) - year(period_start)) * 12
            + month(period_end) - month(period_start) as calendar_months,
        date_diff('day', period_start, period_end) as period_days
    from accepted_lines as lines
    cross join as_of
    left join refunds_per_line as refunds
        on lines.line_item_id = refunds.line_item_id
    where
        not lines.is_test_account
        and lines.invoice_status in ('paid', 'open')
        and lines.invoice_date <= as_of.as_of_date
),
converted as (
    select
        *,
        cast(
            (amount - discount_amount - refunded_amount) * rate_to_reporting
            as decimal(38, 12)
        ) as net_amount,
        cast(amount * rate_to_reporting as decimal(38, 12)) as gross_amount,
        -- Whole months when one anchor day gives both dates (day clamped),
        -- else days / (365.25 / 12); a double, as in macros/period_months.
        case
            when period_start is null then null
            when calendar_months >= 1
                and (
                    period_end = cast(period_start + to_months(calendar_months) as date)
                    or (
                        period_start = last_day(period_start)
                        and (
                            period_end = last_day(period_end)
                            or day(period_end) >= day(period_start)
                        )
                    )
                )
                then cast(calendar_months as double)
            else cast(period_days as double) / (365.25 / 12)
        end as period_months
    from counted
)
select
    account_id,
    charge_type,
    is_recurring,
    period_start,
    period_end,
    invoice_date,
    period_days,
    net_amount,
    cast(
        case when is_recurring then net_amount / period_months end
        as decimal(38, 12)
    ) as monthly_amount,
    cast(
        case when is_recurring then gross_amount / period_months end
        as decimal(38, 12)
    ) as gross_monthly_amount
from converted;

------------------------------------------------------------------------
-- Months reported (section 6): from the earliest period start or invoice
-- date of the lines that count, tax included, to the as-of month.
------------------------------------------------------------------------
create or replace temp table reporting_months as
with bounds as (
    select
        least(
            coalesce(
                cast(date_trunc('month', min(period_start)) as date),
                cast(date_trunc('month', min(invoice_date)) as date)
            ),
            cast(date_trunc('month', min(invoice_date)) as date)
        ) as first_month
    from counted_lines
)
select
    cast(month as date) as month,
    -- MRR snapshot (section 3): month end, or the as-of date in its month.
    least(last_day(cast(month as date)), as_of.as_of_date) as snapshot_date
from bounds
cross join as_of
cross join unnest(
    generate_series(
        cast(bounds.first_month as timestamp),
        cast(as_of.as_of_month as timestamp),
        interval 1 month
    )
) as spine(month);

------------------------------------------------------------------------
-- Every revenue line (tax is never revenue) in every reported month its
-- covered days [covered_from, covered_until) touch (fct_revenue): its MRR
-- contribution at the month's snapshot and its recognized revenue.
------------------------------------------------------------------------
create or replace temp table line_months as
with revenue_lines as (
    select
        *,
        coalesce(period_start, invoice_date) as covered_from,
        coalesce(period_end, cast(invoice_date + interval 1 day as date)) as covered_until
    from counted_lines
    where charge_type <> 'tax'
),
expanded as (
    -- The months from the one of covered_from to the one of the last
    -- covered day, cut at the as-of month.
    select
        revenue_lines.*,
        cast(month as date) as month
    from revenue_lines
    cross join as_of
    cross join unnest(
        generate_series(
            cast(date_trunc('month', covered_from) as timestamp),
            least(
                cast(date_trunc('month', covered_until - 1) as timestamp),
                cast(as_of.as_of_month as timestamp)
            ),
            interval 1 month
        )
    ) as covered(month)
),
measured as (
    select
        expanded.*,
        least(last_day(month), as_of.as_of_date) as snapshot_date,
        -- Days of [period_start, period_end) inside the month, up to and
        -- including the as-of date.
        case
            when period_start is not null
                then greatest(
                    date_diff(
                        'day',
                        greatest(period_start, month),
                        least(
                            period_end,
                            cast(month + interval 1 month as date),
                            cast(as_of.as_of_date + interval 1 day as date)
                        )
                    ),
                    0
                )
        end as recognized_days
    from expanded
    cross join as_of
)
select
    account_id,
    month,
    coalesce(
        is_recurring
        and period_start <= snapshot_date
        and snapshot_date < period_end,
        false
    ) as is_mrr_contribution,
    monthly_amount,
    gross_monthly_amount,
    -- Same expression and types as fct_revenue: a double division, cast.
    cast(
        case
            when period_start is null then net_amount
            else net_amount * recognized_days / period_days
        end as decimal(38, 12)
    ) as recognized_revenue
from measured;

------------------------------------------------------------------------
-- Paying accounts (section 3): MRR per account and month, rounded to 6
-- places half away from zero, paying when > 0; with their user count
-- (section 4) and whether the month is their first paying one.
------------------------------------------------------------------------
create or replace temp table paying_account_months as
with account_mrr as materialized (
    select
        account_id,
        month,
        cast(round(sum(monthly_amount), 6) as decimal(38, 6)) as mrr,
        cast(round(sum(gross_monthly_amount), 6) as decimal(38, 6)) as gross_mrr
    from line_months
    where is_mrr_contribution
    group by account_id, month
),
paying as (
    select
        *,
        month = min(month) over (partition by account_id) as is_new
    from account_mrr
    where mrr > 0
),
-- Users active at a month's snapshot s (section 4): created <= s and not
-- deactivated <= s, comparing dates. Rather than join every user to every
-- paying month, count changes: a user adds 1 from the first reported month
-- whose snapshot reaches created_date, and takes it away again from the
-- one that reaches greatest(created_date, deactivated_date) (a user
-- deactivated before being created is never active). A date d is reached
-- by month M's snapshot exactly when d <= as_of_date and month(d) <= M, so
-- a date after the as-of date never counts.
user_changes as (
    select account_id, cast(date_trunc('month', created_date) as date) as month, 1 as change
    from accepted_users
    cross join as_of
    where created_date <= as_of.as_of_date
    union all
    select
        account_id,
        cast(date_trunc('month', greatest(created_date, deactivated_date)) as date),
        -1
    from accepted_users
    cross join as_of
    where
        deactivated_date is not null
        -- greatest() skips NULLs: the test above keeps active users out.
        and greatest(created_date, deactivated_date) <= as_of.as_of_date
),
active_users as (
    -- Active users from each month with a change on, per account.
    select
        account_id,
        month,
        sum(sum(change)) over (partition by account_id order by month) as active_users
    from user_changes
    group by account_id, month
)
select
    paying.account_id,
    paying.month,
    paying.mrr,
    paying.gross_mrr,
    paying.is_new,
    -- An account without active users counts as one user.
    greatest(coalesce(active_users.active_users, 0), 1) as user_count
from paying
-- The count at the latest change on or before the month.
asof left join active_users
    on paying.account_id = active_users.account_id
    and paying.month >= active_users.month;

------------------------------------------------------------------------
-- mart_arpu_monthly (section 7): one row per reported month.
------------------------------------------------------------------------
with paying as (
    select
        month,
        count(*) as paying_accounts,
        sum(user_count) as paying_users,
        sum(mrr) as mrr,
        sum(gross_mrr) as gross_mrr,
        sum(case when is_new then 1 else 0 end) as new_accounts
    from paying_account_months
    group by month
),
recognized as (
    select month, sum(recognized_revenue) as total_revenue
    from line_months
    group by month
),
filled as (
    select
        reporting_months.month,
        cast(coalesce(paying.paying_accounts, 0) as bigint) as paying_accounts,
        cast(coalesce(paying.paying_users, 0) as bigint) as paying_users,
        coalesce(paying.mrr, 0) as mrr,
        cast(coalesce(paying.new_accounts, 0) as bigint) as new_accounts,
        coalesce(paying.gross_mrr, 0) as gross_mrr,
        coalesce(recognized.total_revenue, 0) as total_revenue
    from reporting_months
    left join paying using (month)
    left join recognized using (month)
)
select
    month,
    paying_accounts,
    paying_users,
    mrr,
    -- Ratios are doubles (macros/cross_database/safe_ratio.sql), NULL when nobody pays.
    cast(mrr as double) / nullif(cast(paying_accounts as double), 0) as arpa,
    cast(mrr as double) / nullif(cast(paying_users as double), 0) as arpu,
    new_accounts,
    gross_mrr,
    total_revenue
from filled
order by month;
