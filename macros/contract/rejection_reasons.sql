{#
    Reasons a row breaks the contract, as stable codes. A row's reasons are
    one text value, each code preceded by ', ' ('' = none), so that staging
    and validation can append theirs; `finish_reasons` turns it into the
    published form 'code_a, code_b' (NULL = accepted).
#}

{% macro reason_codes(checks, carried='') -%}
    {%- set pieces = [] -%}
    {%- if carried -%}
        {%- do pieces.append(carried) -%}
    {%- endif -%}
    {%- for condition, code in checks -%}
        {%- do pieces.append(
            "case when " ~ condition ~ " then ', " ~ code ~ "' else '' end") -%}
    {%- endfor -%}
    {%- if pieces | length == 0 -%}
        ''
    {%- elif pieces | length == 1 -%}
        {{ pieces[0] }}
    {%- else -%}
        {{ dbt.concat(pieces) }}
    {%- endif -%}
{%- endmacro %}

{#- null_<column> and invalid_<column> for every contract column of a table,
    read from the source definition, so the contract is written once. A
    column's text is invalid when it is there but its strict cast is NULL:
    the relation holds both, `<column>_raw` and `<column>_cast`
    (contract_casts). -#}
{% macro contract_reasons(table) -%}
    {%- set checks = [] -%}
    {%- if execute -%}
        {%- set source = graph.sources['source.arpu.billing.' ~ table] -%}
        {%- for column in source.columns.values() -%}
            {%- set is_text = column.meta.contract_type == 'text' -%}
            {%- set text = arpu.staged_text_name(column) -%}
            {%- if column.meta.get('required') -%}
                {%- do checks.append((text ~ ' is null', 'null_' ~ column.name)) -%}
            {%- endif -%}
            {%- if not is_text -%}
                {%- do checks.append((
                    arpu.is_cast_failed(text, column.name ~ '_cast'),
                    'invalid_' ~ column.name)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {#- The reasons a mapped input (Stripe) found come first. -#}
    {{ arpu.reason_codes(
        checks,
        carried='source_reasons' if table in arpu.stripe_mapped_tables() else '') }}
{%- endmacro %}

{#- Every contract column of a table that is not text, cast once by the
    contract's strict cast (NULL when its text does not cast), as
    `<column>_cast`, from its staged text `<column>_raw`: the typed columns
    and the checks (contract_reasons, the models' own) read these, so that
    each long cast is written once. Read from the source definition, as
    contract_reasons is. `sql_types` gives a column another SQL type than
    its contract type's (FX rates keep more places); a name that is no
    column of the table is an error, not a silent narrower type. -#}
{% macro contract_casts(table, sql_types={}) -%}
    {%- set casts = [] -%}
    {%- if execute -%}
        {%- set source = graph.sources['source.arpu.billing.' ~ table] -%}
        {%- for name in sql_types if name not in source.columns -%}
            {{ exceptions.raise_compiler_error(
                "contract_casts: " ~ name ~ " is no column of " ~ table) }}
        {%- endfor -%}
        {%- for column in source.columns.values()
              if column.meta.contract_type != 'text' -%}
            {%- do casts.append(arpu.strict_cast(
                arpu.staged_text_name(column), column.meta.contract_type,
                sql_types.get(column.name)) ~ ' as ' ~ column.name ~ '_cast') -%}
        {%- endfor -%}
    {%- endif -%}
    {{ casts | join(',\n') }}
{%- endmacro %}

{#- The staged text of a contract column (a source column node): the
    column itself when the contract types it text, else `<column>_raw`, as
    staging names the text it casts. -#}
{% macro staged_text_name(column) -%}
    {{ return(column.name if column.meta.contract_type == 'text' else column.name ~ '_raw') }}
{%- endmacro %}

{% macro finish_reasons(reasons) -%}
    nullif(substr({{ reasons }}, 3), '')
{%- endmacro %}

{#- The forms a rejection invalid_<column> expected, for the date and
    timestamp columns of the contract (contract_forms); NULL for any other
    reason. Read from the source definition, as contract_reasons is. -#}
{% macro expected_forms(table_expression, reason_expression) -%}
    {%- set branches = [] -%}
    {%- if execute -%}
        {%- for source in graph.sources.values() if source.source_name == 'billing' -%}
            {%- for column in source.columns.values()
                  if column.meta.contract_type in ('date', 'timestamp') -%}
                {%- do branches.append(
                    "when " ~ table_expression ~ " = '" ~ source.name ~ "' and "
                    ~ reason_expression ~ " = 'invalid_" ~ column.name ~ "' then '"
                    ~ arpu.contract_forms(column.meta.contract_type) ~ "'") -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if branches -%}
        case
            {{ branches | join('\n            ') }}
        end
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
