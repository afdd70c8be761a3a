# The table's replicas (global tables version 2019.11.21), one module per region that
# replica_regions may name, each with the provider of its region (providers.tf). Each
# replica takes the table's deletion protection, point-in-time recovery and tags:
# protection is per replica on AWS, so a replica left unprotected could be deleted with
# its items although the table is protected. Streams need nothing here: a replica
# streams NEW_AND_OLD_IMAGES as the table does.

locals {
  replicated_table = {
    arn                         = module.table.table_arn
    region                      = module.table.region
    stream_view_type            = module.table.stream_view_type
    deletion_protection_enabled = var.deletion_protection_enabled
    tags                        = local.tags
  }
}

module "replica_us_east_1" {
  source    = "./modules/table_replica"
  count     = contains(var.replica_regions, "us-east-1") ? 1 : 0
  providers = { aws = aws.us_east_1 }
  table     = local.replicated_table
}

module "replica_us_east_2" {
  source    = "./modules/table_replica"
  count     = contains(var.replica_regions, "us-east-2") ? 1 : 0
  providers = { aws = aws.us_east_2 }
  table     = local.replicated_table
}

module "replica_us_west_2" {
  source    = "./modules/table_replica"
  count     = contains(var.replica_regions, "us-west-2") ? 1 : 0
  providers = { aws = aws.us_west_2 }
  table     = local.replicated_table
}

module "replica_eu_central_1" {
  source    = "./modules/table_replica"
  count     = contains(var.replica_regions, "eu-central-1") ? 1 : 0
  providers = { aws = aws.eu_central_1 }
  table     = local.replicated_table
}

locals {
  replicas = concat(
    module.replica_us_east_1, module.replica_us_east_2, module.replica_us_west_2, module.replica_eu_central_1,
  )
}
