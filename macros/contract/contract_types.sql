{#
    Model contracts declare their column types once, in standard SQL names
    (varchar, double precision, decimal(p, s), ...), which DuckDB and
    PostgreSQL both read. Spark knows neither varchar without a length nor
    double precision, and a YAML data_type cannot call a macro (its
    context has only target, var and env_var): so on Spark the declared
    types are translated where dbt reads them, when it checks a contract
    against a model's columns.
#}

{#- A declared contract type in the engine's own spelling. -#}
{% macro contract_data_type(data_type) %}
    {{ return(adapter.dispatch('contract_data_type', 'arpu')(data_type)) }}
{% endmacro %}

{% macro default__contract_data_type(data_type) %}
    {{ return(data_type) }}
{% endmacro %}

{% macro spark__contract_data_type(data_type) %}
    {%- set name = data_type | trim | lower -%}
    {%- if name in ('varchar', 'text', 'character varying') -%}
        {{ return('string') }}
    {%- elif name == 'double precision' -%}
        {{ return('double') }}
    {%- endif -%}
    {{ return(data_type) }}
{% endmacro %}

{#- Overrides dbt's get_empty_schema_sql on Spark only: the select of
    typed NULLs that dbt compares with a model's columns to enforce its
    contract, built from the declared types translated by
    contract_data_type. -#}
{% macro spark__get_empty_schema_sql(columns) %}
    {%- set translated = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set copy = dict(column) -%}
        {%- if column.get('data_type') is not none -%}
            {%- do copy.update(
                {'data_type': arpu.contract_data_type(column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: copy}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{% endmacro %}
