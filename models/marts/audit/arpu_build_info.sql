-- What this database holds and where it came from: one row per build. BI
-- users read it to know how fresh the marts are; `arpu build` reads it to
-- know that a file is one this project published before replacing it.
{%- set version = var('arpu_version') %}

with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

months as (

    select * from {{ ref('int_reporting_months') }}

),

line_items as (

    select * from {{ ref('int_invoice_line_items_checked') }}

),

-- An incremental build judges again only new, changed and recent lines.
lines_checked as (

    select
        count(*) as invoice_lines,
        sum(
            case
                when checked_in_invocation = '{{ invocation_id }}' then 1
                else 0
            end
        ) as invoice_lines_checked
    from line_items

),

month_range as (

    select
        min(month) as first_month,
        max(month) as last_month,
        count(*) as months_reported
    from months

),

final as (

    select
        cast('{{ project_name }}' as {{ dbt.type_string() }}) as project_name,
        cast(
            {{ "'" ~ version ~ "'" if version else 'null' }}
            as {{ dbt.type_string() }}
        ) as project_version,
        cast({{ reporting_currency() }} as {{ dbt.type_string() }})
            as reporting_currency,
        as_of.as_of_date,
        month_range.first_month,
        month_range.last_month,
        cast(month_range.months_reported as {{ dbt.type_bigint() }})
            as months_reported,
        cast(
            '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}'
            as {{ dbt.type_timestamp() }}
        ) as built_at,
        cast('{{ dbt_version }}' as {{ dbt.type_string() }}) as dbt_version,
        cast('{{ invocation_id }}' as {{ dbt.type_string() }})
            as invocation_id,
        cast(
            '{{ var("billing_data_dir") | replace("'", "''") }}'
            as {{ dbt.type_string() }}
        ) as billing_data_dir,
        cast('{{ billing_source() }}' as {{ dbt.type_string() }})
            as billing_source,
        cast(lines_checked.invoice_lines as {{ dbt.type_bigint() }})
            as invoice_lines,
        cast(
            coalesce(lines_checked.invoice_lines_checked, 0)
            as {{ dbt.type_bigint() }}
        ) as invoice_lines_checked
    from as_of
    cross join month_range
    cross join lines_checked

)

select * from final
