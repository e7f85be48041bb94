{#- Incremental runs (docs/incremental.md). -#}

{#- A custom incremental strategy: every row of the target whose key (one
    column, or a list of columns) is in the new batch is deleted, then the
    batch is inserted. Unlike dbt's delete+insert, a batch row whose
    `key_only_when_null` column is NULL only carries its key: it deletes
    the key's old rows and is not inserted. That is how a line that no
    longer contributes (voided, refunded to nothing, cut by the as-of date)
    leaves int_revenue_line_months, and an account-month that no longer
    exists leaves int_account_months. -#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- set keys = [key] if key is string else (key or []) | list -%}
    {%- set marker = config.get('key_only_when_null') -%}
    {%- if not keys -%}
        {{ exceptions.raise_compiler_error(
            "replace_keys needs unique_key set to a column or a list of columns") }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(
        arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    {%- if keys | length == 1 %}
    where {{ keys[0] }} in (select {{ keys[0] }} from {{ batch }});
    {%- else %}
    where exists (
        select 1 from {{ batch }}
        where
        {%- for column in keys %}
            {{ batch }}.{{ column }} = {{ target }}.{{ column }}
            {%- if not loop.last %} and{% endif %}
        {%- endfor %}
    );
    {%- endif %}

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ batch }}
    {%- if marker %}
    where {{ marker }} is not null
    {%- endif %}
    {%- if (config.get('meta') or {}).get('published_as') %};
    {{ arpu.log_replaced_keys(target, batch, keys) }}
    {%- endif %}
{%- endmacro %}

{#- The keys an incremental run of a published state model replaced
    (meta published_as: int_revenue_line_months, int_account_months), kept
    in `<model>__replaced_keys` beside it with the run's invocation, in the
    same transaction: `arpu build` applies them to a copy of the last
    published file instead of copying the whole table
    (src/arpu/publish_delta.py, docs/incremental.md "Publishing"), then empties the log. Only DuckDB
    publishes by file. A log grown past a quarter of its table (runs with no
    publish between, as plain dbt makes) is cut to one row, 'overflow': the
    next publish copies the whole table. -#}
{% macro log_replaced_keys(target, batch, keys) %}
    {{ return(adapter.dispatch('log_replaced_keys', 'arpu')(target, batch, keys)) }}
{% endmacro %}

{% macro default__log_replaced_keys(target, batch, keys) -%}
    select 1
{%- endmacro %}

{% macro duckdb__log_replaced_keys(target, batch, keys) -%}
    {%- set log = target.incorporate(
        path={'identifier': target.identifier ~ '__replaced_keys'}) -%}
    {%- set key_list = keys | join(', ') -%}
    create table if not exists {{ log }} as
    select distinct {{ key_list }}, cast(null as varchar) as invocation_id
    from {{ batch }}
    where false;

    insert into {{ log }} ({{ key_list }}, invocation_id)
    select distinct {{ key_list }}, '{{ invocation_id }}'
    from {{ batch }};

    insert into {{ log }} (invocation_id)
    select 'overflow'
    where
        (select count(*) from {{ log }})
        > (select count(*) from {{ target }}) / 4 + 10000;

    delete from {{ log }}
    where
        invocation_id <> 'overflow'
        and exists (
            select 1 from {{ log }} as flagged
            where flagged.invocation_id = 'overflow'
        )
{%- endmacro %}

{#- The key an invoice line is judged under: its line_item_id. Rows
    without one (all rejected) share the key ''. -#}
{% macro line_key(relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    coalesce({{ prefix }}line_item_id, '')
{%- endmacro %}

{#- The columns of a staging model that a row's verdict is computed from:
    the staged text of every contract column of `table` (the column itself
    for text, `<column>_raw` for the others), and the reasons an input's
    mapping found (source_reasons): what the checked model casts and
    judges. -#}
{% macro staged_text_columns(table) -%}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- for column in graph.sources['source.arpu.billing.' ~ table].columns.values() -%}
            {%- do columns.append(arpu.staged_text_name(column)) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do columns.append('source_reasons') -%}
    {{ return(columns) }}
{%- endmacro %}

{#- A fingerprint of a row of the input of contract table `table` (the
    contract file, or the Stripe model that stands for it), for staging to
    carry: every contract column as read, untrimmed, and the reasons the
    input's mapping found. An incremental run judges again the keys whose
    rows' fingerprints changed, whatever their updated_at says; hashing the
    text as read (not trimmed) is cheaper, and a change of spaces alone only
    judges a row again. -#}
{% macro source_row_fingerprint(table) -%}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- for column in graph.sources['source.arpu.billing.' ~ table].columns.values() -%}
            {%- do columns.append(column.name) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do columns.append(arpu.source_reasons(table)) -%}
    {{ arpu.hash_values(columns) }}
{%- endmacro %}

{#- A hash of the given columns' values, NULL and empty text apart, that
    changes when any of them changes: incremental models compare it to find
    the rows whose inputs changed. Each value is length-prefixed, so no two
    different rows of values concatenate to the same text. -#}
{% macro row_fingerprint(columns) %}
    {{ return(adapter.dispatch('row_fingerprint', 'arpu')(columns)) }}
{% endmacro %}

{% macro default__row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- set text = 'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')' -%}
        {%- do parts.append(
            "coalesce(cast(length(" ~ text ~ ") as " ~ dbt.type_string()
            ~ ") || ':' || " ~ text ~ ", '-')") -%}
    {%- endfor -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}

{#- DuckDB: its 64-bit hash of the values, many times faster than md5 of
    their text. A changed line keeps its old hash with odds of 2^-64. -#}
{% macro duckdb__row_fingerprint(columns) -%}
    cast(hash({{ columns | join(', ') }}) as {{ dbt.type_string() }})
{%- endmacro %}

{#- The materialization of the incremental models. Spark on plain Parquet
    has neither `delete` nor `merge`, which delete+insert and replace_keys
    need: there they are tables, rebuilt in full on every run, and their
    is_incremental() branches are never taken (docs/incremental.md,
    "Spark"). -#}
{% macro incremental_materialization() %}
    {{ return(adapter.dispatch('incremental_materialization', 'arpu')()) }}
{% endmacro %}

{% macro default__incremental_materialization() %}
    {{ return('incremental') }}
{% endmacro %}

{% macro spark__incremental_materialization() %}
    {{ return('table') }}
{% endmacro %}

{#- The CTEs `staged_counts`, `previous_counts`, `changed_fingerprints` and
    `changed_keys` of a checked model (int_invoice_line_items_checked,
    int_users_checked): the keys whose staged rows are not the rows judged
    before (new, changed, copied or gone). The fingerprints of the staged
    rows (CTE `staged`, with columns `key` and source_fingerprint) and of
    the stored ones are compared as two multisets, each fingerprint with its
    number of rows (a copy of a row is one more); every key with a
    fingerprint whose number differs is judged again, all its rows
    together. Ends with a comma: more CTEs follow. -#}
{% macro changed_keys_ctes(staged, key) -%}
staged_counts as (

    select
        source_fingerprint,
        count(*) as row_count
    from {{ staged }}
    group by 1

),

previous_counts as (

    select
        source_fingerprint,
        count(*) as row_count
    from {{ this }} as previous
    group by 1

),

changed_fingerprints as (

    select
        coalesce(
            staged_counts.source_fingerprint,
            previous_counts.source_fingerprint
        ) as source_fingerprint
    from staged_counts
    full outer join previous_counts
        on staged_counts.source_fingerprint = previous_counts.source_fingerprint
    where staged_counts.row_count is distinct from previous_counts.row_count

),

changed_keys as (

    select {{ staged }}.{{ key }}
    from {{ staged }}
    where {{ staged }}.source_fingerprint in (
        select changed_fingerprints.source_fingerprint
        from changed_fingerprints
    )

    union

    select previous.{{ key }}
    from {{ this }} as previous
    where previous.source_fingerprint in (
        select changed_fingerprints.source_fingerprint
        from changed_fingerprints
    )

),
{%- endmacro %}

{#- The CTEs `judged_accounts` and `stale_accounts` of a checked model: the
    accounts that have arrived or gone since its rows were judged by them
    (the stored has_accepted_account against CTE `accepted`), one row per
    account the stored rows name, not per row. Ends with a comma. -#}
{% macro stale_accounts_ctes(accepted) -%}
judged_accounts as (

    select
        account_id,
        has_accepted_account
    from {{ this }} as previous
    where account_id is not null
    group by 1, 2

),

stale_accounts as (

    select judged_accounts.account_id
    from judged_accounts
    left join {{ accepted }}
        on judged_accounts.account_id = {{ accepted }}.account_id
    where
        judged_accounts.has_accepted_account
        != ({{ accepted }}.account_id is not null)

),
{%- endmacro %}

{#- The CTEs `stored_digests` and `changed_accounts` of an account-keyed
    model (int_revenue_line_months, int_account_months): the accounts whose
    digest of inputs (column `digest` of CTE `digests`, one row per
    account) differs from the one their stored rows were computed from, or
    that appear or disappear. Every row of an account carries its digest.
    Ends with a comma. -#}
{% macro changed_accounts_ctes(digests, digest) -%}
stored_digests as (

    select
        account_id,
        min({{ digest }}) as {{ digest }}
    from {{ this }} as stored
    group by 1

),

changed_accounts as (

    select coalesce({{ digests }}.account_id, stored_digests.account_id)
        as account_id
    from {{ digests }}
    full outer join stored_digests
        on {{ digests }}.account_id = stored_digests.account_id
    where
        {{ digests }}.{{ digest }}
        is distinct from stored_digests.{{ digest }}

),
{%- endmacro %}
